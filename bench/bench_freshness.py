"""End-to-end freshness with the Dagster daemon running: a heartbeat invoice posted in Odoo, timed until it
shows in the warehouse replica, in the replication sensor's materialization of `odoo/account_move`, in the
mart `warehouse.ar_aging` and in the data of the Superset chart that reads it (`ar_total`, "AR total open").

Everything runs for real on a scratch local stack (its own state directory and ports): Postgres with logical
replication, the Dagster webserver and daemon (replication sensor, dbt eager automation sensor, run queue,
dbt runs in their own processes) and Superset. Each sample waits until the previous one's runs are over,
then pauses a random fraction of the polling intervals so the commit lands anywhere in the sensors' cycles.
Goal: Odoo commit to Superset chart data p95 under 60 s.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench.dbt_build import dbt_build
from dagster_project import paths
from dagster_project.config.environ import environ_overrides
from dagster_project.config.live_marts import VARIABLE as LIVE_VARIABLE
from dagster_project.odoo.generator.accounting import post
from dagster_project.odoo.generator.seed import seed_database
from dagster_project.odoo.generator.session import Session, insert_moves, open_session
from dagster_project.stack.local import LocalStack

CHART = "ar_total"  # big number over warehouse.ar_aging: total open receivables
MART_TOTAL = "SELECT coalesce(sum(residual_amount), 0) FROM warehouse.ar_aging"
REPLICA_HAS_MOVE = "SELECT EXISTS (SELECT FROM public.account_move WHERE id = %s AND state = 'posted')"
MOVE_KEY = ("odoo", "account_move")
MART_KEY = ("warehouse", "ar_aging")
SAMPLE_TIMEOUT = 300.0
WARMUP_TIMEOUT = 900.0
MAX_PHASE_PAUSE = 10.0  # a random pause in [0, this) before each commit, so it lands anywhere in the sensor cycles
Progress = Callable[[str], None]
QUIET: Progress = lambda _: None  # noqa: E731

# (stage, from timestamp, to timestamp): the four stages partition commit -> chart; `dbt` splits further.
STAGES = (("replication", "committed", "replica"), ("sensor", "replica", "sensor"), ("dbt", "sensor", "mart"),
          ("superset", "mart", "chart"))
DBT_PARTS = (("automation_tick", "sensor", "run_created"), ("run_queue_and_launch", "run_created", "run_started"),
             ("dbt_until_mart", "run_started", "mart"))
SAMPLES_FILE = paths.PROJECT_ROOT / "bench" / "results" / "freshness-samples.json"  # every timestamp, git-ignored
ORDER = ("committed", "replica", "sensor", "run_created", "run_started", "mart", "chart")


@dataclass(frozen=True)
class Sample:
    """Wall-clock timestamps (epoch seconds) of one heartbeat invoice along the chain."""

    committed: float  # the Odoo transaction committed
    replica: float  # visible in the warehouse replica (public.account_move)
    sensor: float  # the replication sensor's materialization of odoo/account_move (Dagster instance)
    run_created: float  # the eager automation sensor created the dbt run that rebuilt the mart
    run_started: float  # that run's process started
    mart: float  # warehouse.ar_aging's total includes the invoice
    chart: float  # the Superset chart's data includes it

    def monotonic(self) -> dict[str, float]:
        """Each timestamp at least its predecessor: the polled ones (replica, mart, chart) are seen up to one
        poll late, so an instance timestamp can precede them by a few milliseconds."""
        values, latest = {}, -math.inf
        for name in ORDER:
            latest = max(latest, getattr(self, name))
            values[name] = latest
        return values


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest): always one of the measured values."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def durations(sample: Sample, stages: Sequence[tuple[str, str, str]]) -> dict[str, float]:
    stamps = sample.monotonic()
    return {name: stamps[end] - stamps[start] for name, start, end in stages}


def summarize(samples: Sequence[Sample]) -> dict[str, Any]:
    """p50, p95 and mean of end-to-end and of every stage; each stage's share of the mean end-to-end time."""
    if not samples:
        raise ValueError("no samples to summarize")
    end_to_end = [s.monotonic()["chart"] - s.monotonic()["committed"] for s in samples]
    mean_total = statistics.fmean(end_to_end)
    figures: dict[str, Any] = {"samples": len(samples), "end_to_end_p50_s": round(percentile(end_to_end, 50), 2),
                               "end_to_end_p95_s": round(percentile(end_to_end, 95), 2),
                               "end_to_end_max_s": round(max(end_to_end), 2),
                               "end_to_end_mean_s": round(mean_total, 2)}
    for group in (STAGES, DBT_PARTS):
        per_stage = [durations(s, group) for s in samples]
        for name, _, _ in group:
            values = [d[name] for d in per_stage]
            figures[f"{name}_p50_s"] = round(percentile(values, 50), 3)
            figures[f"{name}_p95_s"] = round(percentile(values, 95), 3)
            figures[f"{name}_share"] = round(statistics.fmean(values) / mean_total, 3) if mean_total else 0.0
    figures["goal_p95_under_60s"] = figures["end_to_end_p95_s"] < 60
    return figures


# ---------------------------------------------------------------------------------------------------
# The heartbeat: one posted customer invoice, written by the seed's accounting engine in one transaction.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heartbeat:
    move_id: int
    ref: str
    receivable_cents: int  # what the invoice adds to open receivables (company currency)
    committed: float


def post_heartbeat(session: Session) -> Heartbeat:
    """A posted, unpaid customer invoice of the main company in its own currency, with a unique reference."""
    company = session.catalog.companies[min(session.catalog.companies)]
    ref = f"HEARTBEAT-{uuid.uuid4().hex[:12]}"
    with session.conn.transaction():
        move = session.seeder.invoice("out_invoice", session.today, company=company,
                                      currency_id=company.currency_id, ref=ref)
        post(move, session.seeder.seq)
        insert_moves(session, [move])
        session.conn.execute("UPDATE res_partner SET customer_rank = customer_rank + 1, write_date = %s WHERE id = %s",
                             (session.now, move.partner.commercial_id))  # as Odoo does on posting
    committed = time.time()
    return Heartbeat(move.id, ref, sum(line.residual for line in move.term_lines()), committed)


# ---------------------------------------------------------------------------------------------------
# Observing the chain.
# ---------------------------------------------------------------------------------------------------


class Chain:
    """The places the heartbeat must reach: the warehouse, the Dagster instance and the Superset chart."""

    def __init__(self, warehouse_dsn: str, instance: Any, superset: Any, chart_id: int):
        self.warehouse = psycopg.connect(warehouse_dsn, autocommit=True)
        self.instance, self.superset, self.chart_id = instance, superset, chart_id

    def close(self) -> None:
        self.warehouse.close()

    def mart_cents(self) -> int:
        return round(self.warehouse.execute(MART_TOTAL).fetchone()[0] * 100)

    def chart_cents(self) -> int:
        """The chart's one value, as a dashboard viewer gets it (the chart's own cache settings apply)."""
        result = self.superset.chart_data(self.chart_id, force=False)["result"][0]
        row = result["data"][0]
        return round(float(next(iter(row.values()))) * 100)

    def replica_has(self, move_id: int) -> bool:
        return self.warehouse.execute(REPLICA_HAS_MOVE, (move_id,)).fetchone()[0]

    def active_runs(self) -> int:
        from dagster import DagsterRunStatus, RunsFilter

        active = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
                  DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
        return self.instance.get_runs_count(RunsFilter(statuses=active))

    def first_materialization(self, key: tuple[str, ...], after: float) -> Any | None:
        from dagster import AssetKey, AssetRecordsFilter

        records = self.instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey(list(key)), after_timestamp=after), limit=1, ascending=True).records
        return records[0] if records else None

    def wait_idle(self, timeout: float, quiet_for: float = 3.0) -> None:
        """No run queued or running for `quiet_for` seconds in a row."""
        deadline, quiet_since = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            if self.active_runs():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_for:
                return
            time.sleep(0.5)
        raise TimeoutError(f"Dagster runs still active after {timeout:.0f}s; see the daemon log")

    def follow(self, heartbeat: Heartbeat, mart_before: int, chart_before: int, timeout: float) -> Sample:
        """Poll until the chart shows the invoice, then read the instance's own timestamps for the middle."""
        deadline = heartbeat.committed + timeout
        seen: dict[str, float] = {}
        mart_goal, chart_goal = mart_before + heartbeat.receivable_cents, chart_before + heartbeat.receivable_cents
        while "chart" not in seen:
            if time.time() > deadline:
                missing = next(s for s in ("replica", "mart", "chart") if s not in seen)
                raise TimeoutError(f"heartbeat {heartbeat.ref} (move {heartbeat.move_id}) not in the {missing} "
                                   f"{timeout:.0f}s after commit; reached: {sorted(seen) or 'nothing'}")
            if "replica" not in seen and self.replica_has(heartbeat.move_id):
                seen["replica"] = time.time()
            if "replica" in seen and "mart" not in seen and self.mart_cents() == mart_goal:
                seen["mart"] = time.time()
            if "mart" in seen and self.chart_cents() == chart_goal:
                seen["chart"] = time.time()
            time.sleep(0.02 if "replica" not in seen else 0.1)
        sensor = self._wait_for(lambda: self.first_materialization(MOVE_KEY, heartbeat.committed), deadline,
                                "the replication sensor's materialization of odoo/account_move")
        mart = self._wait_for(lambda: self.first_materialization(MART_KEY, sensor.timestamp), deadline + 60,
                              "the dbt run's materialization of warehouse/ar_aging")
        run = self.instance.get_run_record_by_id(mart.run_id)
        return Sample(heartbeat.committed, seen["replica"], sensor.timestamp, run.create_timestamp.timestamp(),
                      run.start_time or run.create_timestamp.timestamp(), seen["mart"], seen["chart"])

    @staticmethod
    def _wait_for(probe: Callable[[], Any | None], deadline: float, what: str) -> Any:
        while (found := probe()) is None:
            if time.time() > deadline:
                raise TimeoutError(f"{what} never arrived")
            time.sleep(0.5)
        return found


# ---------------------------------------------------------------------------------------------------
# The scratch stack, provisioned as `make up` does it.
# ---------------------------------------------------------------------------------------------------



def provision(scale: int, progress: Progress) -> None:
    """Seed Odoo, set up replication, build the marts and apply the dashboards (the steps of `make up`)."""
    from dagster_project.replication.config import Endpoints, load_config
    from dagster_project.replication.setup import setup
    from dagster_project.superset import control

    env = control.environment("local")
    progress(f"seeding Odoo at scale {scale}")
    seed_database(env.value("odoo", "db_url"), scale=scale, seed=42, today=dt.date.today())
    progress("setting up replication")
    setup(Endpoints.from_environment(env), load_config(), progress=lambda _: None)
    progress("building the marts (dbt build)")
    dbt_build()
    progress("applying the dashboards")
    control.apply(env, control.build(env))


def chart_id(env_name: str = "local") -> int:
    from dagster_project.superset import control

    env = control.environment(env_name)
    chart = next(c for c in control.build(env).of("chart") if c.name == CHART)
    with control.client(env) as client:
        row = client.find_by_uuid("chart", chart.uuid)
    if row is None:
        raise RuntimeError(f"chart '{CHART}' is not in Superset: apply the dashboards first")
    return int(row["id"])


def measure(chain: Chain, session: Session, samples: int, rng: random.Random, progress: Progress) -> list[Sample]:
    """One warm-up heartbeat (it also waits out the daemon's first runs), then `samples` measured ones."""
    results: list[Sample] = []
    for index in range(samples + 1):
        chain.wait_idle(WARMUP_TIMEOUT if index == 0 else SAMPLE_TIMEOUT)
        time.sleep(rng.uniform(0, MAX_PHASE_PAUSE))
        mart_before, chart_before = chain.mart_cents(), chain.chart_cents()
        heartbeat = post_heartbeat(session)
        sample = chain.follow(heartbeat, mart_before, chart_before, WARMUP_TIMEOUT if index == 0 else SAMPLE_TIMEOUT)
        stages = {**durations(sample, STAGES), **durations(sample, DBT_PARTS)}
        label = "warm-up" if index == 0 else f"sample {index}/{samples}"
        progress(f"{label}: {sample.chart - sample.committed:5.1f}s  "
                 + "  ".join(f"{name} {value:.1f}" for name, value in stages.items()))
        if index:
            results.append(sample)
    return results


@contextmanager
def provisioned_stack(make_state_dir: Callable[[str], Path], free_port: Callable[[], int], prefix: str, scale: int,
                      progress: Progress) -> Iterator[LocalStack]:
    """A scratch stack (own state directory and ports) after `make up`'s steps, its variables in force."""
    state = make_state_dir(prefix)
    stack = LocalStack(state, free_port(), dagster_port=free_port(), superset_port=free_port())
    variables = {**stack.env_values(), "HYBRID_ENV_FILE": str(stack.env_file), "HYBRID_ENV": "local",
                 "DBT_TARGET_PATH": str(state / "dbt-target")}
    try:
        with environ_overrides(variables):
            stack.up(with_dagster=False, with_superset=True, progress=QUIET)
            provision(scale, progress)
            yield stack
    finally:
        stack.down(progress=QUIET)
        shutil.rmtree(state, ignore_errors=True)


def run(make_state_dir: Callable[[str], Path], free_port: Callable[[], int], scale: int, *, samples: int = 20,
        progress: Progress = lambda message: print(message, file=sys.stderr)) -> dict[str, Any]:
    from dagster import DagsterInstance

    from dagster_project.superset import control

    # the path this benchmark measures: Dagster's eager dbt runs, without the live path
    with provisioned_stack(make_state_dir, free_port, "bench-fresh-", scale, progress) as stack, \
            environ_overrides({LIVE_VARIABLE: "off"}):
        progress("starting the Dagster webserver and daemon")
        stack.up(with_dagster=True, with_superset=True, progress=QUIET)
        instance = DagsterInstance.from_config(str(stack.dagster_home))
        env = control.environment("local")
        with control.client(env) as superset, psycopg.connect(env.value("odoo", "db_url"), autocommit=True) as odoo:
            chain = Chain(env.value("supabase", "db_url"), instance, superset, chart_id())
            try:
                session = open_session(odoo, random.Random(7), dt.date.today())
                measured = measure(chain, session, samples, random.Random(11), progress)
            finally:
                chain.close()
        figures = summarize(measured)
        figures.update(intervals(instance), scale=scale, chart=CHART, mart=".".join(MART_KEY))
        SAMPLES_FILE.parent.mkdir(exist_ok=True)
        SAMPLES_FILE.write_text(json.dumps([asdict(s) for s in measured], indent=1))
        return figures


def intervals(instance: Any) -> dict[str, int | None]:
    """The polling intervals the measured chain ran with, read from the code location itself."""
    from dagster_project.definitions import defs

    sensors = {s.name: s.minimum_interval_seconds for s in defs.sensors or []}
    return {"replication_sensor_interval_s": sensors.get("odoo_replication_sensor"),
            "automation_sensor_interval_s": sensors.get("dbt_eager_automation"),
            "run_queue_interval_s": getattr(instance.run_coordinator, "dequeue_interval_seconds", None)}
