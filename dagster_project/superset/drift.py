"""`hybrid drift-plan`: changes made to the live instance outside the code since the last apply.

The baseline is the record of the last apply (`ops.superset_applies`): objects whose `changed_on` moved are
exported (one call per type) and diffed with what was recorded; recorded objects that vanished are
deletions. Objects without this environment's ownership marker (dashboards made by hand) are ignored.
Roles and RLS filters are matched by the id recorded at the apply (a rename is a modification) and read in
full; an RLS filter carrying this namespace's marker that the record lacks is an addition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dagster_project.config.checkout import Checkout
from dagster_project.superset.client import SupersetClient
from dagster_project.superset.identity import security_uuid
from dagster_project.superset.live import LiveRow, export_normalized, list_live, unchanged_since
from dagster_project.superset.normalize import diff
from dagster_project.superset.security_live import read_security, role_body
from dagster_project.superset.state import Record

DRIFT_FOUND, NO_DRIFT = "DRIFT_FOUND", "NO_DRIFT"


@dataclass
class DriftReport:
    env: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    checked: int = 0
    exported: int = 0
    note: str | None = None
    baseline: dict[str, Any] | None = None  # the apply compared with: when, which bundle, which commit

    @property
    def status(self) -> str:
        return DRIFT_FOUND if self.changes else NO_DRIFT

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "env": self.env, "changes": self.changes, "baseline": self.baseline}

    def text(self) -> str:
        lines = [f"{c['action']} {c['type']} '{c['name']}'" + "".join(f"\n    ~ {f['path']}: {f['expected']!r} -> "
                                                                     f"{f['actual']!r}" for f in c.get("fields", []))
                 for c in self.changes]
        tail = f"{self.status} in {self.env}: {len(self.changes)} object(s) changed outside the code, " \
               f"{self.checked} checked, {self.exported} exported"
        head = []
        if self.baseline:
            source = Checkout(self.baseline["commit"], self.baseline["branch"], bool(self.baseline["clean"]))
            head = [f"baseline: the apply of {source.label()} at {self.baseline['applied_at']}"]
        return "\n".join([*head, *lines, tail + (f" ({self.note})" if self.note else "")])


def drift_plan(client: SupersetClient, record: Record, live: dict[str, LiveRow] | None = None,
               env: str | None = None, meta_dsn: str | None = None) -> DriftReport:
    """`env` names the environment in the report (the record is keyed by its namespace); `meta_dsn` is
    Superset's metadata database, where `external_url` can be read."""
    report = DriftReport(env or record.env, checked=len(record.objects) + sum(map(len, record.security.values())),
                         baseline=record.baseline())
    if not record.objects:
        report.note = "never applied: nothing to compare with"
        return report
    live = list_live(client) if live is None else live
    changed = []
    for uuid, seen in sorted(record.objects.items(), key=lambda item: (item[1]["kind"], item[1]["name"])):
        row = live.get(uuid)
        if row is None:
            report.changes.append(_change("deleted", seen, uuid))
        elif not unchanged_since(row, seen):
            changed.append(row)
    exported = export_normalized(client, changed, meta_dsn) if changed else {}
    report.exported = len(changed)
    for row in changed:
        seen = record.objects[row.uuid]
        fields = diff(seen["live"], exported.get(row.uuid, {}))
        if fields:
            report.changes.append(_change("modified", seen, row.uuid, [f.to_json() for f in fields], row.title))
    report.changes += [_change("added", {"kind": row.kind, "name": row.title, "title": row.title}, row.uuid)
                       for row in live.values() if row.managed_env == record.env and row.uuid not in record.objects]
    report.changes += security_drift(client, record, live)
    return report


def security_drift(client: SupersetClient, record: Record, live: dict[str, LiveRow]) -> list[dict[str, Any]]:
    """Roles whose permissions (or name) and RLS filters whose fields changed since the apply, or vanished."""
    if not record.security:
        return []
    datasets = {live[uuid].id: seen["name"] for uuid, seen in record.objects.items()
                if seen["kind"] == "dataset" and uuid in live}
    now = read_security(client, datasets, ())
    role_names, filters = now.role_names(), {f.id: f for f in now.filters.values()}
    changes = []
    for logical, seen in sorted((record.security.get("roles") or {}).items()):
        name = role_names.get(seen["id"])
        current = role_body(client, name, seen["id"], datasets) if name else None
        changes += _security_change("role", logical, seen, current, record.env)
    for logical, seen in sorted((record.security.get("rls") or {}).items()):
        found = filters.get(seen["id"])
        changes += _security_change("rls", logical, seen, found.body if found else None, record.env)
    recorded = {seen["id"] for seen in (record.security.get("rls") or {}).values()}
    changes += [{"type": "rls", "name": name, "logical_name": name, "action": "added",
                 "uuid": security_uuid(record.env, "rls", name), "fields": []}
                for name, f in sorted(now.filters.items()) if f.owner == record.env and f.id not in recorded]
    return changes


def _security_change(kind: str, logical: str, seen: dict[str, Any], current: dict[str, Any] | None,
                     namespace: str) -> list[dict[str, Any]]:
    head = {"type": kind, "name": seen["name"], "logical_name": logical,
            "uuid": security_uuid(namespace, kind, logical)}
    if current is None:
        return [{**head, "action": "deleted", "fields": []}]
    fields = diff(seen["live"], current)
    return [{**head, "action": "modified", "fields": [f.to_json() for f in fields]}] if fields else []


def _change(action: str, seen: dict[str, Any], uuid: str, fields: list[dict[str, Any]] | None = None,
            title: str | None = None) -> dict[str, Any]:
    return {"type": seen["kind"], "name": seen.get("title") or seen["name"], "logical_name": seen["name"],
            "action": action, "uuid": uuid, "fields": fields or [], **({"live_title": title} if title else {})}
