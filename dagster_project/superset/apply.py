"""`hybrid apply`: one atomic import, then dataset refreshes, chart cache warm-ups, optional pruning of
managed orphans, and a record of what the instance looks like afterwards (the baseline of plan and drift)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dagster_project.superset.bundle import Bundle
from dagster_project.superset.client import SupersetClient, SupersetError
from dagster_project.superset.live import LiveRow, export_normalized, list_live
from dagster_project.superset.plan import PRUNABLE, Change, Plan, compute_plan
from dagster_project.superset.state import last_apply, record_apply

Progress = Callable[[str], None]


class ApprovalRequired(Exception):
    """A protected environment (the matrix marks it) is applied to only with explicit approval."""


@dataclass
class ApplyResult:
    env: str
    bundle_hash: str
    plan: Plan
    live: dict[str, LiveRow]
    warnings: list[str] = field(default_factory=list)
    pruned: list[Change] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"env": self.env, "bundle_hash": self.bundle_hash, "plan": self.plan.to_json(),
                "objects": len(self.live), "warnings": self.warnings,
                "pruned": [c.to_json() for c in self.pruned], "seconds": round(self.seconds, 2)}


def apply_bundle(bundle: Bundle, client: SupersetClient, state_dsn: str, *, prune: bool = False,
                 protected: bool = False, approve: bool = False, partial: bool = False,
                 progress: Progress = lambda _: None) -> ApplyResult:
    """Apply `bundle`; `partial` (one Dagster asset's closure) keeps the record of the other objects."""
    if protected and not approve:
        raise ApprovalRequired(f"environment '{bundle.env}' is protected (config/instance-matrix.yaml); "
                               "fix: review `hybrid plan` and re-run with --approve")
    started = time.monotonic()
    record = last_apply(state_dsn, bundle.env)
    plan = compute_plan(bundle, client, record, with_orphans=not partial)
    progress(f"importing {len(bundle.objects)} objects into {client.url} in one transaction")
    client.import_bundle(bundle.zip_bytes(), bundle.passwords(), name=f"{bundle.env} bundle {bundle.digest()[:12]}")
    ours = _applied_rows(bundle, list_live(client))
    failures = refresh_datasets(client, [r for r in ours.values() if r.kind == "dataset"], progress)
    failures += warm_charts(client, [r for r in ours.values() if r.kind == "chart"], progress)
    pruned = prune_orphans(client, plan, progress) if prune else []
    ours = _applied_rows(bundle, list_live(client))  # after refreshes: what the record must show
    progress(f"recording the applied state of {len(ours)} objects")
    exported = export_normalized(client, ours.values())
    objects = dict(record.objects) if partial else {}
    for obj in bundle.objects:
        row = ours[obj.uuid]
        objects[obj.uuid] = {"kind": obj.kind, "name": obj.name, "title": row.title, "id": row.id,
                             "changed_on": row.changed_on, "live": exported.get(obj.uuid, {})}
    for change in pruned:
        objects.pop(change.uuid, None)
    record_apply(state_dsn, bundle.env, bundle.digest(), objects)
    return ApplyResult(bundle.env, bundle.digest(), plan, ours, failures, pruned, time.monotonic() - started)


def _applied_rows(bundle: Bundle, live: dict[str, LiveRow]) -> dict[str, LiveRow]:
    missing = [f"{obj.kind} '{obj.name}'" for obj in bundle.objects if obj.uuid not in live]
    if missing:
        raise SupersetError("asset import", None, f"imported, yet missing afterwards: {', '.join(missing)}; "
                            "a name collision may have taken over another object (see docs/dashboards-as-code.md)")
    return {obj.uuid: live[obj.uuid] for obj in bundle.objects}


def refresh_datasets(client: SupersetClient, datasets: list[LiveRow], progress: Progress) -> list[str]:
    """Re-read each dataset's columns; a missing mart (dbt not run yet) is reported, not fatal."""
    failures = []
    for row in datasets:
        progress(f"refreshing dataset '{row.title}'")
        try:
            client.refresh_dataset(row.id)
        except SupersetError as exc:
            failures.append(f"dataset '{row.title}': {exc} (has dbt built the mart? `dbt build`, then apply again)")
    return failures


def warm_charts(client: SupersetClient, charts: list[LiveRow], progress: Progress) -> list[str]:
    """Run every chart's query once so the first viewer hits a warm cache; failures are reported, not fatal."""
    failures = []
    for row in charts:
        try:
            results = client.warm_up_chart(row.id)
        except SupersetError as exc:
            failures.append(f"chart '{row.title}': {exc}")
            continue
        failures += [f"chart '{row.title}': {r['viz_error']}" for r in results if r.get("viz_error")]
    progress(f"warmed {len(charts) - len(failures)}/{len(charts)} chart caches")
    return failures


def prune_orphans(client: SupersetClient, plan: Plan, progress: Progress) -> list[Change]:
    deletions = sorted((c for c in plan.changes if c.action == "delete"), key=lambda c: PRUNABLE.index(c.kind))
    for change in deletions:
        progress(f"deleting {change.kind} '{change.title}' (no longer in code)")
        client.delete(change.kind, int(change.id or 0), change.title)
    return deletions
