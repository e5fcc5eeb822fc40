"""OCR arrivals: pre-extracted JSON documents per second through the pipeline against a raw batched INSERT of
the same rows, the `ocr_arrivals` sensor's tick time with 10,000 pending files, and drop-to-dashboard latency
with the Dagster daemon running (file renamed into the inbox -> the OCR dashboard's chart data counts it).

    python -m bench.run --only ocr                # all three, on a scratch stack with Superset
    python -m bench.run --only ocr --ocr-documents 5000 --ocr-samples 20

Goals: a tick under 5 s with 10,000 pending files; drop-to-dashboard p95 under 60 s.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.dbt_build import dbt_build
from dagster_project import paths
from dagster_project.config.environ import environ_overrides
from dagster_project.config.live_marts import VARIABLE as LIVE_VARIABLE
from dagster_project.ocr import inbox, load
from dagster_project.ocr.pipeline import process
from dagster_project.ocr.settings import OcrSettings, load_settings

Progress = Callable[[str], None]
BENCH_DATABASE = "ocr_bench"
DAGSTER_DATABASE = "ocr_bench_dagster"
PENDING = 10_000
CHART = "ocr_invoices_total"  # big number: OCR invoices in warehouse.ocr_bill_matching
MART_COUNT = "SELECT count(*) FROM warehouse.ocr_bill_matching"
DASHBOARD_KEY = ("superset", "dashboard", "ocr_invoices")
SAMPLE_TIMEOUT = 300.0
VENDORS = ("Mabuhay Office Supplies Inc.", "Luzon Steel Corp.", "Cebu Logistics Co.", "Davao Fresh Produce",
           "Pasig IT Solutions Inc.")


# -- documents -----------------------------------------------------------------------------------------------
def sample_invoice(index: int, rng: random.Random, tag: str = "B") -> dict[str, Any]:
    """An OCR JSON document as the service answers it: 1-6 lines summing to the untaxed amount, 12 % VAT."""
    lines = [Decimal(rng.randint(500, 250_000)) / 100 for _ in range(rng.randint(1, 6))]
    untaxed = sum(lines, Decimal(0))
    tax = (untaxed * Decimal("0.12")).quantize(Decimal("0.01"))
    day = dt.date(2026, 1, 1) + dt.timedelta(days=index % 300)
    return {
        "vendor": {"name": VENDORS[index % len(VENDORS)], "vat": f"00{index % 9}-555-{index % 1000:03}-000"},
        "invoice_number": f"{tag}-{index:07}", "invoice_date": day.isoformat(), "due_date": None,
        "currency": "PHP", "amount_untaxed": untaxed, "tax": tax, "total": untaxed + tax,
        "confidence": 0.95, "engine": "json", "extracted_at": "2026-03-02T08:00:00Z",
        "lines": [{"description": f"Item {n + 1}", "quantity": 1, "unit_price": a, "tax_rate": 0.12, "amount": a,
                   "confidence": 0.95} for n, a in enumerate(lines)],
    }


def encoded(document: dict[str, Any]) -> bytes:
    """JSON numbers: a float's repr is the shortest exact decimal, so cents survive the round trip."""
    return json.dumps(document, default=float).encode()


def deliver(folder: Path, name: str, data: bytes) -> float:
    """Write under a hidden name, then rename into the inbox (the convention); the rename's time."""
    staging = folder / f".{name}.part"
    staging.write_bytes(data)
    os.rename(staging, folder / name)
    return time.time()


def settings_in(root: Path, **overrides: Any) -> OcrSettings:
    base = load_settings({"OCR_INBOX_DIR": str(root / "inbox"), "OCR_SETTLE_SECONDS": "0"})
    settings = OcrSettings(**{**base.__dict__, **overrides})
    settings.ensure_dirs()
    return settings


# -- documents per second ------------------------------------------------------------------------------------
def throughput(dsn: str, documents: int, progress: Progress) -> dict[str, Any]:
    """`documents` pre-extracted JSON files through the pipeline in batches of 200 (hash, parse, validate, one
    transaction per 100, archive), then the same rows INSERTed raw in batches of 200 documents per transaction."""
    rng = random.Random(42)
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as root:
        settings = settings_in(Path(root))
        for i in range(documents):
            (settings.inbox / f"inv-{i:06}.json").write_bytes(encoded(sample_invoice(i, rng)))
        _reset(dsn)
        arrivals, _ = inbox.scan(settings.inbox, settle_seconds=0, limit=documents)
        progress(f"  pipeline: {documents} JSON documents")
        started = time.perf_counter()
        for start in range(0, len(arrivals), settings.batch_size):
            process(arrivals[start:start + settings.batch_size], settings, dsn)
        pipeline_seconds = time.perf_counter() - started
    with psycopg.connect(dsn) as conn:
        counts = load.counts(conn)
        rows = {table: conn.execute(sql.SQL("SELECT * FROM {} ORDER BY 1").format(sql.Identifier("ocr", table)))
                .fetchall() for table in ("documents", "invoices", "invoice_lines")}
    if counts["invoices"] != documents:
        raise RuntimeError(f"the pipeline loaded {counts['invoices']} of {documents} documents")
    progress("  baseline: raw batched INSERT of the same rows")
    baseline_seconds = raw_insert(dsn, rows, batch=200)
    return {
        "documents": documents, "invoice_lines": counts["invoice_lines"],
        "pipeline_seconds": round(pipeline_seconds, 3), "raw_insert_seconds": round(baseline_seconds, 3),
        "pipeline_documents_per_second": round(documents / pipeline_seconds, 1),
        "raw_insert_documents_per_second": round(documents / baseline_seconds, 1),
        "ratio": round(pipeline_seconds / baseline_seconds, 2),
    }


def _reset(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS ocr CASCADE")
        load.prepare(conn)


def raw_insert(dsn: str, rows: Mapping[str, list[tuple]], batch: int) -> float:
    """The same rows into the emptied tables: executemany INSERTs, one transaction per `batch` documents."""
    invoices_of: dict[str, tuple] = {row[1]: row for row in rows["invoices"]}
    lines_of: dict[int, list[tuple]] = {}
    for line in rows["invoice_lines"]:
        lines_of.setdefault(line[0], []).append(line)
    with psycopg.connect(dsn) as conn:
        conn.execute("TRUNCATE ocr.invoice_lines, ocr.invoices, ocr.documents")
        conn.commit()
        started = time.perf_counter()
        documents = rows["documents"]
        for start in range(0, len(documents), batch):
            chunk = documents[start:start + batch]
            invoices = [invoices_of[d[0]] for d in chunk if d[0] in invoices_of]
            lines = [line for inv in invoices for line in lines_of.get(inv[0], [])]
            with conn.cursor() as cur:
                cur.executemany(_insert("documents", len(chunk[0])), chunk)
                cur.executemany(_insert("invoices", len(invoices[0]), identity=True), invoices)
                cur.executemany(_insert("invoice_lines", len(lines[0])), lines)
            conn.commit()
        return time.perf_counter() - started


def _insert(table: str, width: int, identity: bool = False) -> sql.Composable:
    overriding = sql.SQL(" OVERRIDING SYSTEM VALUE") if identity else sql.SQL("")
    return sql.SQL("INSERT INTO {}{} VALUES ({})").format(
        sql.Identifier("ocr", table), overriding, sql.SQL(", ").join([sql.Placeholder()] * width))


# -- sensor tick with 10,000 pending files -------------------------------------------------------------------
def tick_time(instance: Any, pending: int, progress: Progress) -> dict[str, Any]:
    """Three ticks of the real sensor over `pending` files: two that claim (5,000 each), one that only checks
    the 50 open batches. Baseline: listing and stat-ing the files once (what any tick must at least do)."""
    from dagster import build_sensor_context

    from dagster_project.ocr.sensors import build_ocr_sensor

    sensor = build_ocr_sensor()
    with tempfile.TemporaryDirectory(prefix="bench-ocr-tick-") as root, \
            environ_overrides({"OCR_INBOX_DIR": f"{root}/inbox", "OCR_SETTLE_SECONDS": "0"}):
        settings = settings_in(Path(root))
        for i in range(pending):
            (settings.inbox / f"pending-{i:05}.json").write_bytes(b'{"total": 1}')
        progress(f"  {pending} files pending")
        started = time.perf_counter()
        with os.scandir(settings.inbox) as entries:
            listed = [e.stat().st_mtime for e in entries if e.is_file()]
        baseline = time.perf_counter() - started
        figures: dict[str, Any] = {"pending_files": len(listed), "list_and_stat_seconds": round(baseline, 4)}
        cursor = None
        for name in ("tick_1_claims", "tick_2_claims", "tick_3_checks_open_batches"):
            started = time.perf_counter()
            result = sensor(build_sensor_context(instance=instance, cursor=cursor))
            figures[f"{name}_seconds"] = round(time.perf_counter() - started, 3)
            figures[f"{name}_run_requests"] = len(result.run_requests)
            cursor = result.cursor
        figures["max_tick_seconds"] = max(v for k, v in figures.items() if k.startswith("tick_") and
                                          k.endswith("_seconds"))
        figures["goal_tick_under_5s"] = figures["max_tick_seconds"] < 5
        figures["ratio_to_list_and_stat"] = round(figures["max_tick_seconds"] / baseline, 1)
        return figures


# -- drop to dashboard with the daemon -----------------------------------------------------------------------

def write_instance(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        "storage:\n  postgres:\n    postgres_url:\n      env: DAGSTER_PG_URL\n"
        "run_coordinator:\n  module: dagster.core.run_coordinator\n  class: QueuedRunCoordinator\n"
        "  config:\n    max_concurrent_runs: 4\n"
        "run_monitoring:\n  enabled: true\n  free_slots_after_run_end_seconds: 30\n"
        "telemetry:\n  enabled: false\n")


def prepare_warehouse(stack: Any, progress: Progress) -> None:
    """Odoo tables seeded straight into the warehouse's public schema (the replica's place), the dbt project
    built, and the OCR dashboard applied: what the daemon's runs then refresh."""
    from dagster_project.odoo.generator.seed import seed_database
    from dagster_project.superset import control

    env = control.environment("local")
    progress("  seeding the warehouse's Odoo tables (scale 1)")
    seed_database(env.value("supabase", "db_url"), scale=1, seed=42, today=dt.date.today())
    progress("  dbt build")
    dbt_build()
    progress("  applying the OCR dashboard")
    full = control.build(env)
    control.apply(env, full.closure({("dashboard", "ocr_invoices")}), partial=True)


def start_daemon(env: Mapping[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w",
                                 str(paths.PROJECT_ROOT / "workspace.yaml")], cwd=paths.PROJECT_ROOT,
                                env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank: always one of the measured values."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


class Watch:
    """Where a dropped document must show up: the mart and the Superset chart the dashboard shows."""

    def __init__(self, warehouse_dsn: str, superset: Any, chart_id: int, instance: Any):
        self.warehouse = psycopg.connect(warehouse_dsn, autocommit=True)
        self.superset, self.chart_id, self.instance = superset, chart_id, instance

    def mart(self) -> int:
        try:
            return self.warehouse.execute(MART_COUNT).fetchone()[0]
        except psycopg.errors.UndefinedTable:
            return 0

    def chart(self) -> int:
        """As a dashboard viewer gets it (the chart's cache settings apply)."""
        row = self.superset.chart_data(self.chart_id, force=False)["result"][0]["data"][0]
        return int(next(iter(row.values())) or 0)

    def active_runs(self) -> int:
        from dagster import DagsterRunStatus, RunsFilter

        active = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
                  DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
        return self.instance.get_runs_count(RunsFilter(statuses=active))

    def wait_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.active_runs():
            if time.monotonic() > deadline:
                raise TimeoutError("OCR runs still active; read the daemon log")
            time.sleep(0.5)

    def follow(self, dropped: float, mart_goal: int, chart_goal: int, timeout: float) -> dict[str, float]:
        seen: dict[str, float] = {}
        while "chart" not in seen:
            if time.time() > dropped + timeout:
                raise TimeoutError(f"not in the {'chart' if 'mart' in seen else 'mart'} {timeout:.0f}s after the "
                                   "drop; read the daemon log")
            if "mart" not in seen and self.mart() >= mart_goal:
                seen["mart"] = time.time()
            if "mart" in seen and self.chart() >= chart_goal:
                seen["chart"] = time.time()
            time.sleep(0.1)
        return {"mart_s": seen["mart"] - dropped, "chart_s": seen["chart"] - dropped, **self.run_stages(dropped)}

    def first_materialization(self, key: tuple[str, ...], dropped: float) -> float | None:
        """Seconds from the drop to the first materialization of `key` after it."""
        from dagster import AssetKey, AssetRecordsFilter

        records = self.instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey(list(key)), after_timestamp=dropped), limit=1,
            ascending=True).records
        return records[0].timestamp - dropped if records else None

    def run_stages(self, dropped: float) -> dict[str, float]:
        """The ocr_ingest run this drop caused: created by the sensor's tick, started, ocr/invoices loaded."""
        from dagster import AssetKey, AssetRecordsFilter

        records = self.instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey(["ocr", "invoices"]), after_timestamp=dropped), limit=1,
            ascending=True).records
        if not records:
            return {}
        run = self.instance.get_run_record_by_id(records[0].run_id)
        return {"run_created_s": run.create_timestamp.timestamp() - dropped,
                "run_started_s": (run.start_time or run.create_timestamp.timestamp()) - dropped,
                "loaded_s": records[0].timestamp - dropped}


def latency(stack: Any, samples: int, progress: Progress) -> dict[str, Any]:
    """One warm-up drop, then `samples` drops, each after the previous one's runs ended."""
    from dagster import DagsterInstance

    from dagster_project.superset import control

    state = stack.state_dir
    ocr_root = state / "ocr"
    home = state / "ocr_bench_dagster_home"
    write_instance(home)
    dagster_dsn = stack.dsn("dagster", "dagster")
    variables = {"DAGSTER_HOME": str(home), "DAGSTER_PG_URL": dagster_dsn,
                 "OCR_INBOX_DIR": str(ocr_root / "inbox"), "HYBRID_ENV": "local",
                 "DBT_TARGET_PATH": str(state / "dbt-target"),
                 LIVE_VARIABLE: "off"}  # measured here: the daemon's eager dbt runs (bench_live times the live path)
    with environ_overrides(variables):
        prepare_warehouse(stack, progress)
        settings = load_settings()
        settings.ensure_dirs()
        env = control.environment("local")
        chart = next(c for c in control.build(env).of("chart") if c.name == CHART)
        daemon = start_daemon(variables, state / "logs" / "ocr-bench-daemon.log")
        progress(f"  dagster-daemon started (log: {state / 'logs' / 'ocr-bench-daemon.log'})")
        rng = random.Random(7)
        measured: list[dict[str, float]] = []
        try:
            with control.client(env) as superset, DagsterInstance.from_config(str(home)) as instance:
                chart_id = int(superset.find_by_uuid("chart", chart.uuid)["id"])
                watch = Watch(env.value("supabase", "db_url"), superset, chart_id, instance)
                for index in range(samples + 1):
                    watch.wait_idle(SAMPLE_TIMEOUT * 3)
                    time.sleep(rng.uniform(0, 5))  # land anywhere in the sensor's 5 s cycle
                    mart_before, chart_before = watch.mart(), watch.chart()
                    data = encoded(sample_invoice(index, rng, tag=f"LAT{time.time_ns() % 10**9}"))
                    dropped = deliver(settings.inbox, f"latency-{index:03}.json", data)
                    figures = watch.follow(dropped, mart_before + 1, chart_before + 1,
                                           SAMPLE_TIMEOUT * (3 if index == 0 else 1))
                    progress(f"  {'warm-up' if index == 0 else f'sample {index}/{samples}'}: "
                             + "  ".join(f"{k} {v:.1f}" for k, v in figures.items()))
                    if index:
                        measured.append({**figures, "dropped": dropped})
                watch.wait_idle(SAMPLE_TIMEOUT)
                for figures in measured:  # the run's last step: the dashboard applied and its charts warmed
                    refreshed = watch.first_materialization(DASHBOARD_KEY, figures.pop("dropped"))
                    if refreshed:
                        figures["dashboard_refreshed_s"] = refreshed
        finally:
            stop(daemon)
    chart_times = [m["chart_s"] for m in measured]
    summary: dict[str, Any] = {"samples": len(measured), "settle_seconds": settings.settle_seconds,
                               "drop_to_dashboard_p50_s": round(percentile(chart_times, 50), 2),
                               "drop_to_dashboard_p95_s": round(percentile(chart_times, 95), 2),
                               "drop_to_dashboard_max_s": round(max(chart_times), 2)}
    for stage in ("run_created_s", "run_started_s", "loaded_s", "mart_s", "dashboard_refreshed_s"):
        values = [m[stage] for m in measured if stage in m]
        if values:
            summary[f"{stage[:-2]}_p50_s"] = round(percentile(values, 50), 2)
    summary["goal_p95_under_60s"] = summary["drop_to_dashboard_p95_s"] < 60
    return summary


def run(stack: Any, make_database: Callable[[str], str], *, documents: int = 2000, samples: int = 10,
        progress: Progress = lambda message: print(message, file=sys.stderr)) -> dict[str, Any]:
    """All three on the bench's scratch stack (started with Superset by bench/run.py)."""
    from dagster import DagsterInstance

    results: dict[str, Any] = {}
    with environ_overrides(stack.env_values() | {"HYBRID_ENV_FILE": str(stack.env_file)}):
        progress("  documents per second")
        results["json_throughput"] = throughput(make_database(BENCH_DATABASE), documents, progress)
        progress(f"  {json.dumps(results['json_throughput'])}")
        progress("  sensor tick time")
        dagster_dsn = make_database(DAGSTER_DATABASE)
        with tempfile.TemporaryDirectory(prefix="bench-ocr-home-") as home, \
                environ_overrides({"OCR_BENCH_DAGSTER_PG_URL": dagster_dsn}):
            Path(home, "dagster.yaml").write_text(
                "storage:\n  postgres:\n    postgres_url:\n      env: OCR_BENCH_DAGSTER_PG_URL\n"
                "telemetry:\n  enabled: false\n")
            with DagsterInstance.from_config(home) as instance:
                results["sensor_tick"] = tick_time(instance, PENDING, progress)
        progress(f"  {json.dumps(results['sensor_tick'])}")
        if samples:
            progress("  drop to dashboard with the daemon")
            results["drop_to_dashboard"] = latency(stack, samples, progress)
    return results
