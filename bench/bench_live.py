"""The live path end to end, with the Dagster daemon running as usual: a heartbeat invoice posted in Odoo,
timed until the replica has it, until the live worker's batch put it into `warehouse.ar_aging`, and until
the `ar_total` chart's data (a dashboard viewer's request) shows it. Then every chart of the applied
dashboards, cache off, and a burst of the simulator (50 tx/s for a minute) with and without the live path:
the heartbeats' freshness during it, the machine's CPU, the replica's apply lag, and afterwards that the
live tables equal a full build and the replica holds every Odoo row.

Goals (issue 17): commit to chart data p95 under 5 s; every dashboard's charts p95 under 1 s.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from bench.bench_dbt import change_one_percent
from bench.bench_freshness import (
    CHART,
    MART_TOTAL,
    QUIET,
    REPLICA_HAS_MOVE,
    Heartbeat,
    percentile,
    post_heartbeat,
    provisioned_stack,
)
from bench.dbt_build import dbt_build
from dagster_project.live import changes
from dagster_project.live.catalog import source_tables
from dagster_project.live.setup import install, target_dir
from dagster_project.live.verify import verify
from dagster_project.live.worker import compile_catalog
from dagster_project.odoo.generator.session import open_session
from dagster_project.odoo.generator.simulate import simulate

Progress = Callable[[str], None]
TIMEOUT = 120.0
CHART_ROUNDS = 5


def cpu_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [float(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class Watch:
    """Where a heartbeat has reached: the replica, the mart, the chart."""

    def __init__(self, warehouse: psycopg.Connection, superset: Any, chart_id: int):
        self.warehouse, self.superset, self.chart_id = warehouse, superset, chart_id

    def mart_cents(self) -> int:
        return round(self.warehouse.execute(MART_TOTAL).fetchone()[0] * 100)

    def chart_cents(self) -> int:
        row = self.superset.chart_data(self.chart_id, force=False)["result"][0]["data"][0]
        return round(float(next(iter(row.values()))) * 100)

    def follow(self, heartbeat: Heartbeat, wanted: tuple[str, ...], mart_before: int = 0, chart_before: int = 0
               ) -> dict[str, float]:
        """Seconds from the commit to each wanted place. With a burst running the mart's total moves for other
        reasons too: then the replica and the batch that put the invoice into fct_invoices are timed."""
        seen: dict[str, float] = {}
        goal = heartbeat.receivable_cents
        chart = "chart" in wanted
        while not all(w in seen for w in wanted):
            if time.time() - heartbeat.committed > TIMEOUT:
                raise TimeoutError(f"heartbeat {heartbeat.ref} not in the {[w for w in wanted if w not in seen]} "
                                   f"{TIMEOUT:.0f}s after commit")
            if "replica" not in seen and self.warehouse.execute(REPLICA_HAS_MOVE, (heartbeat.move_id,)).fetchone()[0]:
                seen["replica"] = time.time()
            if chart and "replica" in seen and "mart" not in seen and self.mart_cents() == mart_before + goal:
                seen["mart"] = time.time()
            if chart and "mart" in seen and self.chart_cents() == chart_before + goal:
                seen["chart"] = time.time()
            if "batch" in wanted and "replica" in seen and self.warehouse.execute(
                    "SELECT EXISTS (SELECT FROM warehouse.fct_invoices WHERE invoice_id = %s AND state = 'posted')",
                    (heartbeat.move_id,)).fetchone()[0]:
                seen["batch"] = time.time()
            time.sleep(0.02)
        return {name: stamp - heartbeat.committed for name, stamp in seen.items()}


def freshness(watch: Watch, session: Any, samples: int, rng: random.Random, progress: Progress) -> dict[str, Any]:
    results = []
    for index in range(samples + 1):
        time.sleep(rng.uniform(0, 2))
        mart_before, chart_before = watch.mart_cents(), watch.chart_cents()
        timing = watch.follow(post_heartbeat(session), ("replica", "mart", "chart"), mart_before, chart_before)
        progress(f"{'warm-up' if index == 0 else f'sample {index}/{samples}'}: chart {timing['chart']:.2f}s "
                 f"(replica {timing['replica']:.3f}, mart {timing['mart']:.2f})")
        if index:
            results.append(timing)
    chart, replica, mart = ([r[k] for r in results] for k in ("chart", "replica", "mart"))
    stages = {"replication": replica, "live_batch": [m - r for m, r in zip(mart, replica, strict=True)],
              "superset": [c - m for c, m in zip(chart, mart, strict=True)]}
    figures: dict[str, Any] = {"samples": len(results), "end_to_end_p50_s": round(percentile(chart, 50), 3),
                               "end_to_end_p95_s": round(percentile(chart, 95), 3),
                               "end_to_end_max_s": round(max(chart), 3)}
    for name, values in stages.items():
        figures[f"{name}_p50_s"] = round(percentile(values, 50), 3)
        figures[f"{name}_p95_s"] = round(percentile(values, 95), 3)
        figures[f"{name}_share"] = round(statistics.fmean(values) / statistics.fmean(chart), 3)
    figures["goal_p95_under_5s"] = figures["end_to_end_p95_s"] < 5
    return figures


def chart_timings(superset: Any, env: Any) -> dict[str, Any]:
    """Each applied dashboard's charts through the chart data API, cache off (force), CHART_ROUNDS rounds."""
    from dagster_project.superset import control

    bundle = control.build(env)
    ids = {row["uuid"]: row["id"] for row in superset.list("chart", columns=["uuid"])}
    per_dashboard: dict[str, Any] = {}
    for board in bundle.of("dashboard"):
        charts = [c for c in bundle.of("chart") if c.name in board.body.get("_charts", [])]
        seconds = []
        for _ in range(CHART_ROUNDS):
            for chart in charts:
                started = time.monotonic()
                superset.chart_data(ids[chart.uuid], force=True)
                seconds.append(time.monotonic() - started)
        per_dashboard[board.name] = {"charts": len(charts), "p50_s": round(percentile(seconds, 50), 3),
                                     "p95_s": round(percentile(seconds, 95), 3)}
    return {"per_dashboard": per_dashboard,
            "worst_p95_s": max(d["p95_s"] for d in per_dashboard.values()),
            "goal_p95_under_1s": all(d["p95_s"] < 1 for d in per_dashboard.values())}


def burst(watch: Watch, odoo_dsn: str, session: Any, rate: float, seconds: float, *, live: bool, seed: int,
          progress: Progress) -> dict[str, Any]:
    """The simulator at `rate` tx/s for `seconds`, a heartbeat every 5 s timed to the replica (and, with the
    live path, to the batch that includes it), and the machine's CPU over the burst."""
    done = threading.Event()
    report: dict[str, Any] = {}

    def load() -> None:
        report["simulation"] = simulate(odoo_dsn, events_per_second=rate, duration=seconds, seed=seed)
        done.set()

    wanted = ("replica", "batch") if live else ("replica",)
    busy0, total0 = cpu_busy()
    worker = threading.Thread(target=load)
    worker.start()
    timings = []
    while not done.wait(5):
        timings.append(watch.follow(post_heartbeat(session), wanted))
    worker.join()
    busy1, total1 = cpu_busy()
    transactions = sum(report["simulation"].counts.values())
    figures: dict[str, Any] = {"transactions": transactions, "achieved_tx_s": round(transactions / seconds, 1),
                               "heartbeats": len(timings),
                               "cpu_busy_share": round((busy1 - busy0) / (total1 - total0), 3)}
    for stage in wanted:
        values = [t[stage] for t in timings]
        figures[f"{stage}_p50_s"], figures[f"{stage}_p95_s"] = (round(percentile(values, q), 3) for q in (50, 95))
    progress(f"burst ({'with' if live else 'without'} the live path): {figures}")
    return figures


def caught_up(warehouse: psycopg.Connection, timeout: float = 300) -> None:
    """Every recorded change applied (the worker's last batch committed)."""
    deadline = time.monotonic() + timeout
    while warehouse.execute("SELECT count(*) FROM live.changes").fetchone()[0]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the live worker has not caught up after {timeout:.0f}s")
        time.sleep(0.2)


def one_percent(odoo_dsn: str, warehouse: psycopg.Connection, full_build_s: float, progress: Progress
                ) -> dict[str, Any]:
    """1% of the move lines edited in Odoo in one transaction: seconds from the commit until the live path has
    applied every change it recorded, against a full `dbt build` of the same data (measured before)."""
    started = time.time()
    changed = change_one_percent(odoo_dsn)
    edited = "SELECT count(*) FROM public.account_move_line WHERE name LIKE '%% (edited)'"
    while warehouse.execute(edited).fetchone()[0] < changed:
        time.sleep(0.05)
    newest = warehouse.execute("SELECT coalesce(max(id), 0) FROM live.changes").fetchone()[0]
    while warehouse.execute("SELECT applied_change FROM live.state").fetchone()[0] < newest:
        time.sleep(0.05)
    seconds = time.time() - started
    progress(f"1% ({changed} lines) applied by the live path in {seconds:.2f}s; full dbt build {full_build_s:.1f}s")
    per_table: dict[str, float] = {}
    for (models,) in warehouse.execute("SELECT models FROM live.refreshes WHERE finished_at >= to_timestamp(%s)",
                                       (started,)).fetchall():
        for name, info in models.items():
            per_table[name] = per_table.get(name, 0.0) + info.get("seconds", 0.0)
    slowest = dict(sorted(per_table.items(), key=lambda item: -item[1])[:5])
    return {"lines_changed": changed, "live_apply_s": round(seconds, 3), "full_dbt_build_s": round(full_build_s, 2),
            "ratio": round(seconds / full_build_s, 3), "goal_under_0_15": seconds / full_build_s < 0.15,
            "slowest_tables_s": {name: round(value, 3) for name, value in slowest.items()}}


def run(make_state_dir: Callable[[str], Path], free_port: Callable[[], int], scale: int, *, samples: int = 20,
        burst_rate: float = 50.0, burst_seconds: float = 60.0,
        progress: Progress = lambda message: print(message, file=sys.stderr)) -> dict[str, Any]:
    from bench.bench_freshness import chart_id
    from dagster_project.superset import control

    with provisioned_stack(make_state_dir, free_port, "bench-live-", scale, progress) as stack:
        env = control.environment("local")
        progress("installing the live path; starting its worker, the Dagster webserver and daemon")
        install(env)
        progress("a full dbt build of the same data, the baseline of the 1% change")
        began = time.monotonic()
        dbt_build()
        full_build_s = time.monotonic() - began
        stack.up(with_dagster=True, with_superset=True, progress=QUIET)  # starts the worker too
        odoo_dsn, warehouse_dsn = env.value("odoo", "db_url"), env.value("supabase", "db_url")
        with control.client(env) as superset, psycopg.connect(odoo_dsn, autocommit=True) as odoo, \
                psycopg.connect(warehouse_dsn, autocommit=True) as warehouse:
            watch = Watch(warehouse, superset, chart_id())
            session = open_session(odoo, random.Random(7), dt.date.today())
            figures: dict[str, Any] = {"scale": scale, "chart": CHART}
            figures["freshness"] = freshness(watch, session, samples, random.Random(11), progress)
            figures["charts"] = chart_timings(superset, env)
            figures["one_percent"] = one_percent(odoo_dsn, warehouse, full_build_s, progress)
            figures["burst_live"] = burst(watch, odoo_dsn, session, burst_rate, burst_seconds, live=True, seed=5,
                                          progress=progress)
            caught_up(warehouse)
            catalog = compile_catalog(env, target_dir(env))
            different = [d.model for d in verify(env.value("supabase", "dbt_url"), catalog) if not d.equal]
            lines = [c.execute("SELECT count(*) FROM public.account_move_line").fetchone()[0]
                     for c in (odoo, warehouse)]
            figures["after_burst"] = {"tables_different_from_full_build": different,
                                      "odoo_lines": lines[0], "replica_lines": lines[1]}
            progress("the same burst without the live path (worker stopped, triggers dropped)")
            stack.live_worker().stop()
            changes.uninstall(warehouse, source_tables(target_dir(env) / "manifest.json"))
            figures["burst_without_live"] = burst(watch, odoo_dsn, session, burst_rate, burst_seconds,
                                                  live=False, seed=6, progress=progress)
        return figures
