"""Company access as code: `superset_assets/security/roles.yaml` -> the roles and row-level security filters
the control plane keeps in Superset.

Every role gets the viewer permissions listed in the file plus `datasource_access` on every dataset of the
bundle, and one Regular RLS filter `<column> = <id>` (or `IN (...)`) on all of them; the set of datasets is
the bundle's, so a dataset added later is covered without touching the file. Roles and filters are compared
in one normalized form, the same for code, live instance and apply record: `permissions`, `tables` and
`roles` are mappings `{label: true}`, so a plan or drift line names the one permission or table that moved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagster_project.superset.identity import marker
from dagster_project.superset.templates import AssetError, AssetSources, jinja_environment, parse_yaml, render

SECURITY_FILE = Path("security") / "roles.yaml"
FILTER_TYPE = "Regular"  # applies to the roles it names; Admin (no company role) keeps seeing everything
_DATASET_PERM = re.compile(r"\(id:(\d+)\)$")  # Superset's dataset permission: [database].[table](id:N)
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class CompanyRole:
    logical: str  # the name in roles.yaml
    name: str  # the name in Superset: `<namespace>_<logical>` when the values set a namespace (shared Superset)
    companies: tuple[int, ...]


@dataclass(frozen=True)
class Security:
    """The desired roles and filters of one namespace, over the bundle's `datasets` (logical names)."""

    namespace: str
    path: Path
    column: str
    permissions: tuple[tuple[str, str], ...]
    roles: tuple[CompanyRole, ...]
    exempt: Mapping[str, str]  # dataset -> reason: no filter, company roles read it unfiltered
    datasets: tuple[str, ...]

    @property
    def filtered(self) -> tuple[str, ...]:
        return tuple(name for name in self.datasets if name not in self.exempt)

    def clause(self, role: CompanyRole) -> str:
        ids = sorted(role.companies)
        return f"{self.column} = {ids[0]}" if len(ids) == 1 else f"{self.column} IN ({', '.join(map(str, ids))})"

    def role_body(self, role: CompanyRole) -> dict[str, Any]:
        labels = [f"{permission} on {view}" for permission, view in self.permissions]
        labels += [dataset_label(name) for name in self.datasets]
        return {"name": role.name, "permissions": dict.fromkeys(sorted(labels), True)}

    def rls_body(self, role: CompanyRole) -> dict[str, Any]:
        return {"name": role.name, "filter_type": FILTER_TYPE, "clause": self.clause(role),
                "group_key": self.column, "description": marker(self.namespace),
                "roles": {role.name: True}, "tables": dict.fromkeys(sorted(self.filtered), True)}

    def to_json(self) -> dict[str, Any]:
        """What `hybrid compile` writes beside the bundle for review (no secret in it)."""
        return {"namespace": self.namespace, "column": self.column,
                "roles": {r.logical: {**self.role_body(r), "companies": list(r.companies)} for r in self.roles},
                "rls": {r.logical: self.rls_body(r) for r in self.roles}, "exempt": dict(self.exempt)}


def dataset_label(name: str) -> str:
    return f"datasource_access on dataset {name}"


def permission_label(permission: str, view: str, datasets: Mapping[int, str]) -> str:
    """`<permission> on <view>`; a dataset of this bundle reads as its logical name (ids differ per instance)."""
    found = _DATASET_PERM.search(view) if permission == "datasource_access" else None
    if found and int(found.group(1)) in datasets:
        return dataset_label(datasets[int(found.group(1))])
    return f"{permission} on {view}"


def table_label(table: Mapping[str, Any], datasets: Mapping[int, str]) -> str:
    return datasets.get(int(table["id"])) or f"{table.get('schema')}.{table.get('table_name')} (id {table['id']})"


def load_security(sources: AssetSources, datasets: Iterable[str]) -> Security | None:
    """Render `security/roles.yaml` with the environment's values; None when the assets have no such file."""
    path = sources.root / SECURITY_FILE
    if not path.exists():
        return None
    spec = parse_yaml(render(jinja_environment(sources.root), sources.root, path, sources.values), path)
    if not isinstance(spec, dict):
        raise AssetError(path, 1, "security/roles.yaml must render to a YAML mapping")
    companies = _companies(sources)
    column = str(spec.get("column") or "company_id")
    if not _IDENTIFIER.fullmatch(column):  # it becomes SQL in every filter's clause
        raise AssetError(path, _line(path, "column:"), f"column must be a plain column name; got {column!r}")
    roles = tuple(_role(path, entry, companies, sources) for entry in spec.get("roles") or [])
    _unique(path, [role.logical for role in roles])
    exempt = spec.get("exempt") or {}
    if not isinstance(exempt, dict):
        raise AssetError(path, _line(path, "exempt:"), "exempt must map a dataset name to the reason")
    return Security(sources.namespace, path, column, _permissions(path, spec.get("permissions")), roles,
                    {str(k): str(v or "").strip() for k, v in exempt.items()}, tuple(sorted(datasets)))


def _companies(sources: AssetSources) -> dict[str, int]:
    """code -> id from the values' `companies: [{code, id, name}]`."""
    where = sources.root / "environments" / f"{sources.env}.yaml"
    found: dict[str, int] = {}
    for entry in sources.values.get("companies") or []:
        if not isinstance(entry, dict) or "code" not in entry or not isinstance(entry.get("id"), int):
            raise AssetError(where, _line(where, "companies:"), f"each company needs a code and an integer id "
                                                                f"(e.g. {{code: ph, id: 1, name: ...}}); got {entry!r}")
        if str(entry["code"]) in found:
            raise AssetError(where, _line(where, str(entry["code"])), f"company code '{entry['code']}' is listed twice")
        found[str(entry["code"])] = entry["id"]
    return found


def _role(path: Path, entry: Any, companies: dict[str, int], sources: AssetSources) -> CompanyRole:
    if not isinstance(entry, dict) or not entry.get("name"):
        raise AssetError(path, _line(path, "roles:"), f"each role needs a name and companies; got {entry!r}")
    logical = str(entry["name"])
    codes = [str(code) for code in entry.get("companies") or []]
    if not codes:
        raise AssetError(path, _line(path, logical), f"role '{logical}' lists no companies")
    unknown = [code for code in codes if code not in companies]
    if unknown:
        raise AssetError(path, _line(path, logical), f"role '{logical}' names unknown company code(s) "
                         f"{', '.join(unknown)}; known in environments/{sources.env}.yaml: "
                         f"{', '.join(companies) or 'none (add companies: [{code, id, name}])'}")
    name = f"{sources.namespace}_{logical}" if sources.values.get("namespace") else logical
    return CompanyRole(logical, name, tuple(sorted({companies[code] for code in codes})))


def _permissions(path: Path, entries: Any) -> tuple[tuple[str, str], ...]:
    pairs = []
    for entry in entries or []:
        if not (isinstance(entry, list) and len(entry) == 2 and all(isinstance(x, str) for x in entry)):
            raise AssetError(path, _line(path, "permissions:"), f"a permission is [permission, resource], e.g. "
                                                                f"[can_read, Dashboard]; got {entry!r}")
        pairs.append((entry[0], entry[1]))
    return tuple(sorted(set(pairs)))


def _unique(path: Path, names: list[str]) -> None:
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise AssetError(path, _line(path, twice[0]), f"role name(s) listed twice: {', '.join(twice)}")


def _line(path: Path, token: str) -> int | None:
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if token in text:
            return number
    return None
