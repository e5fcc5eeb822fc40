"""`hybrid plan`: what `hybrid apply` would change, terraform-style.

The cheap pre-check decides what needs a field diff: an object whose live `changed_on` equals the one
recorded at the last apply is, field for field, what was recorded then, so it is compared with the record
without an export; only objects changed since (or never recorded) are exported, in one call per type.
Managed objects (marked for this environment) that are no longer in code are deletions.

Roles and row-level security filters (security.py) are read in full every time (a few calls: Superset keeps
no `changed_on` for them) and diffed in their normalized form; deletions are filters carrying this
namespace's marker and roles recorded at an earlier apply that the code no longer has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dagster_project.config.checkout import Checkout
from dagster_project.superset.bundle import Bundle, BundleObject
from dagster_project.superset.client import SupersetClient
from dagster_project.superset.identity import security_uuid
from dagster_project.superset.live import LiveRow, export_normalized, list_live, owned_fields, unchanged_since
from dagster_project.superset.normalize import FieldChange, diff, normalize
from dagster_project.superset.security import Security
from dagster_project.superset.security_live import LiveSecurity, read_security
from dagster_project.superset.state import Record
from dagster_project.superset.templates import AssetError

SYMBOLS = {"adopt": ">", "create": "+", "update": "~", "delete": "-"}
# What adoption itself changes on an object made in the UI: the edit lock, the marker and the link.
OWNERSHIP = ("is_managed_externally", "external_url", "certified_by", "certification_details", "extra.certification")
PRUNABLE = ("dashboard", "chart", "dataset")  # deletion order: dependants first; databases are never pruned


@dataclass(frozen=True)
class Change:
    action: str  # create, update, delete
    kind: str
    name: str  # logical name (template stem), or the live title for a deletion
    title: str
    uuid: str
    fields: tuple[FieldChange, ...] = ()
    id: int | None = None

    @property
    def content_fields(self) -> tuple[FieldChange, ...]:
        """The fields beyond ownership: for an adoption, what applying would change in what the user made."""
        return tuple(f for f in self.fields if not _ownership(f))

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "type": self.kind, "name": self.name, "title": self.title,
                "uuid": self.uuid, "fields": [f.to_json() for f in self.fields]}


@dataclass
class Plan:
    env: str
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    exported: int = 0  # objects whose fields had to be exported (the rest came from the record)
    warnings: list[str] = field(default_factory=list)
    baseline: dict[str, Any] | None = None  # the last apply: when, which bundle, which commit

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    def summary(self) -> str:
        adopt = f"{self.count('adopt')} to adopt, " if self.count("adopt") else ""
        return (f"Plan ({self.env}): {adopt}{self.count('create')} to create, {self.count('update')} to update, "
                f"{self.count('delete')} to delete, {self.unchanged} unchanged.")

    def to_json(self) -> dict[str, Any]:
        return {"env": self.env, "changes": [c.to_json() for c in self.changes], "summary": self.summary(),
                "counts": {a: self.count(a) for a in SYMBOLS} | {"unchanged": self.unchanged},
                "warnings": self.warnings, "baseline": self.baseline}

    def text(self) -> str:
        lines = [f"warning: {warning}" for warning in self.warnings]
        for change in self.changes:
            head = f"{SYMBOLS[change.action]} {change.action} {change.kind} '{change.title}' ({change.name})"
            shown = change.fields
            if change.action == "adopt":
                head += " becomes managed (edit lock, marker, link)"
                shown = change.content_fields
            lines.append(head)
            lines += [f"    ~ {f.path}: {_short(f.actual)} -> {_short(f.expected)}" for f in shown]
        return "\n".join([*lines, self.summary()])


def compute_plan(bundle: Bundle, client: SupersetClient, record: Record, live: dict[str, LiveRow] | None = None,
                 with_orphans: bool = True, meta_dsn: str | None = None, source: Checkout | None = None) -> Plan:
    """`with_orphans=False` for a partial bundle (one Dagster asset), where absence is not deletion;
    `meta_dsn` (Superset's metadata database) lets the plan see `external_url` too; `source` is the checkout
    being planned, compared with the one the live state was applied from."""
    live = list_live(client) if live is None else live
    plan = Plan(bundle.env, baseline=record.baseline(), warnings=source_warnings(record, source, bundle.digest()))
    owned = owned_fields(meta_dsn)
    desired = {obj.uuid: (obj, normalize(obj.kind, obj.body, owned)) for obj in bundle.objects}
    to_export = []
    for uuid, (obj, wanted) in desired.items():
        row = live.get(uuid)
        seen = record.objects.get(uuid)
        if row is None:
            plan.changes.append(Change("create", obj.kind, obj.name, obj.title, uuid))
        elif seen and unchanged_since(row, seen):
            _add_update(plan, obj, row, wanted, seen["live"])
        else:
            to_export.append(row)
    exported = export_normalized(client, to_export, meta_dsn) if to_export else {}
    plan.exported = len(to_export)
    for row in to_export:
        obj, wanted = desired[row.uuid]
        _add_update(plan, obj, row, wanted, exported.get(row.uuid, {}))
    plan.changes += orphans(bundle, live) if with_orphans else []
    if bundle.security:
        changes, unchanged, _ = security_changes(bundle.security, client, dataset_ids(bundle, live), record.security,
                                                 with_orphans)
        plan.changes += changes
        plan.unchanged += unchanged
    plan.changes.sort(key=lambda c: (list(SYMBOLS).index(c.action), c.kind, c.name))
    return plan


def source_warnings(record: Record, source: Checkout | None, digest: str) -> list[str]:
    """Why a plan and drift may disagree: the live state was applied from other code than this checkout
    (another commit or branch, or uncommitted changes) and its bundle differs from this one."""
    applied = record.source
    if applied is None or source is None or record.bundle_hash == digest:
        return []
    if (applied.commit, applied.branch) == (source.commit, source.branch) and applied.clean:
        return []
    return [f"the live state of '{record.env}' was applied from {applied.label()} at {record.applied_at}, not "
            f"from this checkout ({source.label()}): `drift-plan` compares with that apply; this plan shows what "
            "applying this checkout would change"]


def _add_update(plan: Plan, obj: BundleObject, row: LiveRow, wanted: dict[str, Any], actual: dict[str, Any]) -> None:
    """An object without this namespace's marker that the code binds (`hybrid export`) is an adoption."""
    fields = diff(wanted, actual)
    adopting = obj.kind in PRUNABLE and row.managed_env != plan.env
    if fields or adopting:
        action = "adopt" if adopting else "update"
        plan.changes.append(Change(action, obj.kind, obj.name, obj.title, obj.uuid, tuple(fields), row.id))
    else:
        plan.unchanged += 1


def _ownership(change: FieldChange) -> bool:
    if change.path in OWNERSHIP or change.path.startswith("extra.certification."):
        return True
    # a dataset without any `extra` yet: the whole field is the marker
    return change.path == "extra" and change.actual in (None, {}) and set(change.expected or {}) == {"certification"}


def orphans(bundle: Bundle, live: dict[str, LiveRow]) -> list[Change]:
    """Objects carrying this environment's marker that the code no longer has."""
    wanted = bundle.by_uuid()
    return [Change("delete", row.kind, row.title, row.title, row.uuid, id=row.id)
            for row in live.values()
            if row.managed_env == bundle.env and row.kind in PRUNABLE and row.uuid not in wanted]


def dataset_ids(bundle: Bundle, live: dict[str, LiveRow]) -> dict[int, str]:
    """Live id -> logical name of the bundle's datasets that exist in Superset."""
    return {live[obj.uuid].id: obj.name for obj in bundle.of("dataset") if obj.uuid in live}


def security_changes(security: Security, client: SupersetClient, datasets: dict[int, str],
                     recorded: dict[str, dict[str, Any]], with_orphans: bool = True
                     ) -> tuple[list[Change], int, LiveSecurity]:
    """Create/update/delete lines for roles and RLS filters; also the count unchanged and what was read."""
    recorded_roles = {entry["name"]: logical for logical, entry in (recorded.get("roles") or {}).items()}
    recorded_rls = {entry["name"]: logical for logical, entry in (recorded.get("rls") or {}).items()}
    live = read_security(client, datasets, [*(role.name for role in security.roles), *recorded_roles])
    changes: list[Change] = []
    unchanged = 0
    for role in security.roles:
        _check_owner(security, live, role.name)
        found = live.filters.get(role.name)
        for kind, wanted, actual, pk in (
                ("role", security.role_body(role), live.roles.get(role.name), live.role_ids.get(role.name)),
                ("rls", security.rls_body(role), found.body if found else None, found.id if found else None)):
            uuid = security_uuid(security.namespace, kind, role.logical)
            fields = diff(wanted, actual) if actual is not None else []
            if actual is None:
                changes.append(Change("create", kind, role.logical, role.name, uuid))
            elif fields:
                changes.append(Change("update", kind, role.logical, role.name, uuid, tuple(fields), pk))
            else:
                unchanged += 1
    if with_orphans:
        changes += security_orphans(security, live, recorded_roles, recorded_rls)
    return changes, unchanged, live


def security_orphans(security: Security, live: LiveSecurity, recorded_roles: dict[str, str],
                     recorded_rls: dict[str, str]) -> list[Change]:
    """Filters marked for this namespace and roles recorded at an earlier apply that the code dropped
    (`recorded_*`: Superset name -> logical name)."""
    wanted = {role.name for role in security.roles}
    found = [Change("delete", "rls", logical, name, security_uuid(security.namespace, "rls", logical), id=f.id)
             for name, f in sorted(live.filters.items()) if f.owner == security.namespace and name not in wanted
             for logical in [recorded_rls.get(name, name)]]
    found += [Change("delete", "role", logical, name, security_uuid(security.namespace, "role", logical),
                     id=live.role_ids[name])
              for name, logical in sorted(recorded_roles.items()) if name not in wanted and name in live.role_ids]
    return found


def _check_owner(security: Security, live: LiveSecurity, name: str) -> None:
    """Another namespace's filter (and so its role) under the same name: taking it over would cut its users off."""
    found = live.filters.get(name)
    if found and found.owner not in (None, security.namespace):
        raise AssetError(security.path, None, f"role and RLS filter '{name}' belong to namespace '{found.owner}' "
                                              "in this Superset; fix: give this environment its own `namespace` in "
                                              "environments/<env>.yaml (its role names are then prefixed with it)")


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
