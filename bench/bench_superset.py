"""Dashboards as code at 50 dashboards and 300 charts against a real Superset: apply, plan and drift-plan,
next to a naive plan measured in the same run (one lookup and one export per object, then the same diff).

The generated objects reuse the real dataset templates and cycle through the real chart templates, in a
namespace of their own (`bench`), and are deleted at the end, with the company roles and row-level security
filters apply creates for that namespace. Goal: plan at least 5x faster than naive.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from dagster_project.superset.apply import apply_bundle
from dagster_project.superset.bundle import Bundle, compile_bundle
from dagster_project.superset.client import SupersetClient
from dagster_project.superset.drift import drift_plan
from dagster_project.superset.normalize import diff, normalize, read_export
from dagster_project.superset.plan import compute_plan
from dagster_project.superset.security_live import RLS, ROLES, read_security
from dagster_project.superset.state import last_apply
from dagster_project.superset.templates import AssetSources, Source, load_sources


def run(superset_client: SupersetClient, state_dsn: str, database_uri: str, *, dashboards: int = 50,
        charts_per_dashboard: int = 6, repeat: int = 3, namespace: str = "bench") -> dict[str, Any]:
    """`database_uri` must reach the finance marts (apply refreshes datasets and warms every chart)."""
    bundle = generated_bundle(database_uri, dashboards, charts_per_dashboard, namespace)
    try:
        started = time.perf_counter()
        applied = apply_bundle(bundle, superset_client, state_dsn)
        apply_s = time.perf_counter() - started
        record = last_apply(state_dsn, namespace)
        plan_s = _median(repeat, lambda: compute_plan(bundle, superset_client, record))
        drift_s = _median(repeat, lambda: drift_plan(superset_client, record))
        naive_s = _median(repeat, lambda: naive_plan(bundle, superset_client))
        plan = compute_plan(bundle, superset_client, record)
        return {
            "dashboards": len(bundle.of("dashboard")), "charts": len(bundle.of("chart")),
            "objects": len(bundle.objects), "apply_s": round(apply_s, 2),
            "warnings": len(applied.warnings), "plan_s": round(plan_s, 3),
            "drift_plan_s": round(drift_s, 3), "naive_plan_s": round(naive_s, 3),
            "plan_speedup_vs_naive": round(naive_s / plan_s, 1), "plan_changes": len(plan.changes),
            "goal_plan_5x_faster": naive_s / plan_s >= 5,
        }
    finally:
        remove(bundle, superset_client)


def generated_bundle(database_uri: str, dashboards: int, per_dashboard: int, namespace: str) -> Bundle:
    real = load_sources("local")
    chart_specs = list(real.of("charts").values())
    sources = list(real.of("datasets").values())
    for d in range(dashboards):
        names = []
        for c in range(per_dashboard):
            template = chart_specs[(d * per_dashboard + c) % len(chart_specs)]
            name = f"bench_{d:03d}_{c}_{template.name}"
            names.append(name)
            sources.append(Source("charts", name, template.path, {**template.spec,
                                                                  "title": f"{template.spec['title']} #{d}.{c}"}))
        rows = [[{"chart": n, "width": 4} for n in names[i:i + 3]] for i in range(0, len(names), 3)]
        sources.append(Source("dashboards", f"bench_{d:03d}", real.root / "dashboards",
                              {"title": f"Bench dashboard {d:03d}", "slug": f"bench-{namespace}-{d:03d}",
                               "rows": rows, "filters": [{"name": "Period", "type": "time"}]}))
    values = {**real.values, "namespace": namespace, "database": {"name": f"{namespace}_warehouse",
                                                                  "uri_env": "BENCH_SUPERSET_URI"}}
    generated = AssetSources(real.root, "bench", values, tuple(sources))
    return compile_bundle(generated, environ={"BENCH_SUPERSET_URI": database_uri})


def naive_plan(bundle: Bundle, client: SupersetClient) -> int:
    """What a tool without the pre-check does: find each object by uuid, export it alone, diff it."""
    changed = 0
    for obj in bundle.objects:
        row = client.find_by_uuid(obj.kind, obj.uuid)
        if row is None:
            changed += 1
            continue
        _, body = read_export(client.export_objects(obj.kind, [row["id"]]))[obj.uuid]
        changed += bool(diff(normalize(obj.kind, obj.body), normalize(obj.kind, body)))
    return changed


def remove(bundle: Bundle, client: SupersetClient) -> None:
    """Everything the run created: roles (before their filters, as prune does), filters, then the objects."""
    if bundle.security:
        live = read_security(client, {}, [])
        for role in bundle.security.roles:
            if role.name in live.role_ids:
                client.delete(ROLES, live.role_ids[role.name], role.name)
            if role.name in live.filters:
                client.delete(RLS, live.filters[role.name].id, role.name)
    for kind in ("dashboard", "chart", "dataset", "database"):
        for obj in bundle.of(kind):
            row = client.find_by_uuid(kind, obj.uuid)
            if row:
                client.delete(kind, row["id"], obj.title)


def _median(repeat: int, func: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
