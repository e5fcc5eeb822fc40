"""`hybrid drift-plan`: changes made to the live instance outside the code since the last apply.

The baseline is the record of the last apply (`ops.superset_applies`): objects whose `changed_on` moved are
exported (one call per type) and diffed with what was recorded; recorded objects that vanished are
deletions. Objects without this environment's ownership marker (dashboards made by hand) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dagster_project.superset.client import SupersetClient
from dagster_project.superset.live import LiveRow, export_normalized, list_live
from dagster_project.superset.normalize import diff
from dagster_project.superset.state import Record

DRIFT_FOUND, NO_DRIFT = "DRIFT_FOUND", "NO_DRIFT"


@dataclass
class DriftReport:
    env: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    checked: int = 0
    exported: int = 0
    note: str | None = None

    @property
    def status(self) -> str:
        return DRIFT_FOUND if self.changes else NO_DRIFT

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "env": self.env, "changes": self.changes}

    def text(self) -> str:
        lines = [f"{c['action']} {c['type']} '{c['name']}'" + "".join(f"\n    ~ {f['path']}: {f['expected']!r} -> "
                                                                     f"{f['actual']!r}" for f in c.get("fields", []))
                 for c in self.changes]
        tail = f"{self.status} in {self.env}: {len(self.changes)} object(s) changed outside the code, " \
               f"{self.checked} checked, {self.exported} exported"
        return "\n".join([*lines, tail + (f" ({self.note})" if self.note else "")])


def drift_plan(client: SupersetClient, record: Record, live: dict[str, LiveRow] | None = None,
               env: str | None = None) -> DriftReport:
    """`env` names the environment in the report (the record is keyed by its namespace)."""
    report = DriftReport(env or record.env, checked=len(record.objects))
    if not record.objects:
        report.note = "never applied: nothing to compare with"
        return report
    live = list_live(client) if live is None else live
    changed = []
    for uuid, seen in sorted(record.objects.items(), key=lambda item: (item[1]["kind"], item[1]["name"])):
        row = live.get(uuid)
        if row is None:
            report.changes.append(_change("deleted", seen, uuid))
        elif row.changed_on != seen.get("changed_on"):
            changed.append(row)
    exported = export_normalized(client, changed) if changed else {}
    report.exported = len(changed)
    for row in changed:
        seen = record.objects[row.uuid]
        fields = diff(seen["live"], exported.get(row.uuid, {}))
        if fields:
            report.changes.append(_change("modified", seen, row.uuid, [f.to_json() for f in fields], row.title))
    report.changes += [_change("added", {"kind": row.kind, "name": row.title, "title": row.title}, row.uuid)
                       for row in live.values() if row.managed_env == record.env and row.uuid not in record.objects]
    return report


def _change(action: str, seen: dict[str, Any], uuid: str, fields: list[dict[str, Any]] | None = None,
            title: str | None = None) -> dict[str, Any]:
    return {"type": seen["kind"], "name": seen.get("title") or seen["name"], "logical_name": seen["name"],
            "action": action, "uuid": uuid, "fields": fields or [], **({"live_title": title} if title else {})}
