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

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationInfo, field_validator

from dagster_project.superset.identity import marker
from dagster_project.superset.templates import (
    AssetError,
    AssetSources,
    jinja_environment,
    line_of,
    parse_yaml,
    render,
    validated,
)

SECURITY_FILE = Path("security") / "roles.yaml"
FILTER_TYPE = "Regular"  # applies to the roles it names; Admin (no company role) keeps seeing everything
_DATASET_PERM = re.compile(r"\(id:(\d+)\)$")  # Superset's dataset permission: [database].[table](id:N)


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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, not silently ignored


class RoleSpec(_Strict):
    name: str = Field(min_length=1)
    companies: list[str] = Field(min_length=1)


class RolesFile(_Strict):
    """security/roles.yaml, rendered."""

    column: str = Field("company_id", pattern=r"^[a-z_][a-z0-9_]*$")  # it becomes SQL in every filter's clause
    permissions: list[tuple[str, str]] = []  # [permission, resource], e.g. [can_read, Dashboard]
    roles: list[RoleSpec] = []
    exempt: dict[str, str | None] = {}  # dataset -> the reason it has no company filter

    @field_validator("permissions", "roles", "exempt", mode="before")
    @classmethod
    def _left_empty(cls, value: Any, info: ValidationInfo) -> Any:
        """`roles:` with nothing under it is YAML's null: the key's empty value."""
        return ({} if info.field_name == "exempt" else []) if value is None else value


class CompanyValue(BaseModel):
    """One entry of the values' `companies: [{code, id, name}]`."""

    code: str = Field(min_length=1)
    id: StrictInt
    name: str | None = None


class CompanyValues(BaseModel):
    companies: list[CompanyValue] = []


def load_security(sources: AssetSources, datasets: Iterable[str]) -> Security | None:
    """Render `security/roles.yaml` with the environment's values; None when the assets have no such file."""
    path = sources.root / SECURITY_FILE
    if not path.exists():
        return None
    spec = validated(RolesFile, parse_yaml(render(jinja_environment(sources.root), sources.root, path,
                                                  sources.values), path), path)
    companies = _companies(sources)
    roles = tuple(_role(path, entry, companies, sources) for entry in spec.roles)
    _unique(path, [role.logical for role in roles])
    return Security(sources.namespace, path, spec.column, tuple(sorted(set(spec.permissions))), roles,
                    {k: (v or "").strip() for k, v in spec.exempt.items()}, tuple(sorted(datasets)))


def _companies(sources: AssetSources) -> dict[str, int]:
    """code -> id from the values' `companies: [{code, id, name}]`."""
    where = sources.root / "environments" / f"{sources.env}.yaml"
    found: dict[str, int] = {}
    for entry in validated(CompanyValues, {"companies": sources.values.get("companies") or []}, where).companies:
        if entry.code in found:
            raise AssetError(where, line_of(where, entry.code), f"company code '{entry.code}' is listed twice")
        found[entry.code] = entry.id
    return found


def _role(path: Path, entry: RoleSpec, companies: dict[str, int], sources: AssetSources) -> CompanyRole:
    unknown = [code for code in entry.companies if code not in companies]
    if unknown:
        raise AssetError(path, line_of(path, entry.name), f"role '{entry.name}' names unknown company code(s) "
                         f"{', '.join(unknown)}; known in environments/{sources.env}.yaml: "
                         f"{', '.join(companies) or 'none (add companies: [{code, id, name}])'}")
    name = f"{sources.namespace}_{entry.name}" if sources.values.get("namespace") else entry.name
    return CompanyRole(entry.name, name, tuple(sorted({companies[code] for code in entry.companies})))


def _unique(path: Path, names: list[str]) -> None:
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise AssetError(path, line_of(path, twice[0]), f"role name(s) listed twice: {', '.join(twice)}")
