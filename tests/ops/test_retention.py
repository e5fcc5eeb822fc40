"""dagster_instance_retention on a real dagster-postgres instance storage (a database of the scratch stack):
exactly what is older than the cutoff goes (runs with their event logs, runless asset events, ticks, ops rows);
everything newer stays, and so do the latest materialization of every asset and the run that made it.

Ages are produced the way time would: events and ticks are written with their past timestamps through the
instance's API, and finished runs are aged by moving their `update_timestamp` back in the runs table.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from dagster import (
    AssetKey,
    AssetMaterialization,
    AssetObservation,
    DagsterEvent,
    DagsterInstance,
    asset,
    job,
    materialize,
    op,
)
from dagster._core.events import AssetObservationData, StepMaterializationData
from dagster._core.instance.utils import RUNLESS_JOB_NAME, RUNLESS_RUN_ID
from dagster._core.remote_origin import RegisteredCodeLocationOrigin, RemoteInstigatorOrigin, RemoteRepositoryOrigin
from dagster._core.scheduler.instigation import (
    InstigatorState,
    InstigatorStatus,
    InstigatorType,
    TickData,
    TickStatus,
)
from psycopg import sql

from dagster_project.health.checks import CheckResult
from dagster_project.ops.health_log import record
from dagster_project.ops.retention_job import build_retention_job
from dagster_project.resources.postgres import PostgresResource
from dagster_project.superset.state import log_drift, record_apply

DAY = 86_400.0
ACCOUNT_MOVE, RES_PARTNER, RES_CURRENCY = (AssetKey(["odoo", t]) for t in ("account_move", "res_partner",
                                                                            "res_currency"))


@asset(key=["warehouse", "ar_snapshot"])
def ar_snapshot() -> int:
    return 1


@asset(key=["warehouse", "cash_position"])
def cash_position() -> int:
    return 2


@op
def sync() -> int:
    return 1


@op
def flaky() -> None:
    raise RuntimeError("upstream timed out")


@job
def nightly_sync() -> None:
    sync()


@job
def flaky_job() -> None:
    flaky()


@pytest.fixture
def dagster_dsn(make_database) -> str:
    return make_database("ops_retention_dagster")


@pytest.fixture
def instance(dagster_dsn: str, tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPS_TEST_DAGSTER_PG_URL", dagster_dsn)
    (tmp_path / "dagster.yaml").write_text("storage:\n  postgres:\n    postgres_url:\n"
                                           "      env: OPS_TEST_DAGSTER_PG_URL\n")
    with DagsterInstance.from_config(str(tmp_path)) as real_instance:
        yield real_instance


@pytest.fixture
def ops_dsn(make_database) -> str:
    return make_database("ops_retention_warehouse")


def age_run(dsn: str, run_id: str, days: float) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("UPDATE runs SET update_timestamp = (now() AT TIME ZONE 'UTC') - %s * interval '1 day', "
                     "create_timestamp = (now() AT TIME ZONE 'UTC') - %s * interval '1 day' WHERE run_id = %s",
                     (days, days, run_id))


def runless(instance: DagsterInstance, event: AssetMaterialization | AssetObservation, days_ago: float) -> None:
    """What `report_runless_asset_event` (the replication sensor's SensorResult) stores, dated `days_ago`."""
    if isinstance(event, AssetMaterialization):
        kind, data = "ASSET_MATERIALIZATION", StepMaterializationData(event)
    else:
        kind, data = "ASSET_OBSERVATION", AssetObservationData(event)
    instance.report_dagster_event(DagsterEvent(kind, RUNLESS_JOB_NAME, event_specific_data=data),
                                  run_id=RUNLESS_RUN_ID, timestamp=time.time() - days_ago * DAY)


def sensor_ticks(instance: DagsterInstance, days_ago: list[float]) -> InstigatorState:
    """A sensor of the code location and its ticks, as the daemon records them."""
    origin = RemoteInstigatorOrigin(RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("hybrid"), "__repository__"),
                                    "odoo_replication_sensor")
    state = InstigatorState(origin, InstigatorType.SENSOR, InstigatorStatus.RUNNING)
    instance.add_instigator_state(state)
    for days in days_ago:
        instance.create_tick(TickData(origin.get_id(), origin.instigator_name, InstigatorType.SENSOR,
                                      TickStatus.SKIPPED, time.time() - days * DAY, selector_id=state.selector_id))
    return state


def runless_ages(instance: DagsterInstance, dsn: str) -> dict[str, list[int]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT asset_key, dagster_event_type, round(extract(epoch FROM (now() AT TIME ZONE 'UTC')"
                            " - timestamp) / 86400) FROM event_logs WHERE run_id = '' ORDER BY timestamp").fetchall()
    ages: dict[str, list[int]] = {}
    for key, kind, days in rows:
        ages.setdefault(f"{AssetKey.from_db_string(key).to_user_string()} {kind}", []).append(int(days))
    return ages


def ops_rows(dsn: str) -> dict[str, list[tuple]]:
    queries = {"health_log": "SELECT check_name FROM ops.health_log ORDER BY id",
               "drift_log": "SELECT env, status FROM ops.drift_log ORDER BY id",
               "superset_applies": "SELECT env, bundle_hash FROM ops.superset_applies ORDER BY id"}
    with psycopg.connect(dsn) as conn:
        return {table: conn.execute(query).fetchall() for table, query in queries.items()}


def age_ops(dsn: str, table: str, column: str, marker_column: str, marker: str, days: int) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute(sql.SQL("UPDATE {} SET {} = now() - %s * interval '1 day' WHERE {} = %s").format(
            sql.Identifier("ops", table), sql.Identifier(column), sql.Identifier(marker_column)), (days, marker))


def seed_ops(dsn: str) -> None:
    record(dsn, "old-run", {"local": [CheckResult("supabase", "old warehouse", "ok", None, "SELECT 1", 0.01)]})
    record(dsn, "new-run", {"local": [CheckResult("supabase", "new warehouse", "ok", None, "SELECT 1", 0.01)]})
    age_ops(dsn, "health_log", "checked_at", "check_name", "old warehouse", 40)
    for status, days in (("OLDEST", 50), ("OLD", 40), ("NEW", 0)):
        log_drift(dsn, "local", status, [])
        age_ops(dsn, "drift_log", "checked_at", "status", status, days)
    for env, bundle, days in (("local", "first", 45), ("local", "second", 35), ("staging", "only", 60)):
        record_apply(dsn, env, bundle, {})
        age_ops(dsn, "superset_applies", "applied_at", "bundle_hash", bundle, days)


def test_retention_deletes_exactly_what_is_older_than_the_cutoff(instance, dagster_dsn, ops_dsn, monkeypatch) -> None:
    monkeypatch.setenv("DAGSTER_RETENTION_DAYS", "30")
    monkeypatch.delenv("DAGSTER_RETENTION_FAILED_DAYS", raising=False)  # default 90
    runs = {
        "only_snapshot_40d": materialize([ar_snapshot], instance=instance).run_id,
        "old_cash_40d": materialize([cash_position], instance=instance).run_id,
        "new_cash_1d": materialize([cash_position], instance=instance).run_id,
        "success_40d": nightly_sync.execute_in_process(instance=instance).run_id,
        "success_29d": nightly_sync.execute_in_process(instance=instance).run_id,
        "failed_40d": flaky_job.execute_in_process(instance=instance, raise_on_error=False).run_id,
        "failed_100d": flaky_job.execute_in_process(instance=instance, raise_on_error=False).run_id,
    }
    for name, run_id in runs.items():
        age_run(dagster_dsn, run_id, float(name.rsplit("_", 1)[1].removesuffix("d")))
    for days in (40, 35, 1):
        runless(instance, AssetMaterialization(ACCOUNT_MOVE, tags={"dagster/data_version": f"v{days}"}), days)
    for days in (50, 45):
        runless(instance, AssetMaterialization(RES_PARTNER, tags={"dagster/data_version": f"v{days}"}), days)
    runless(instance, AssetObservation(RES_CURRENCY), 40)
    sensor = sensor_ticks(instance, [45, 31, 29, 0])
    seed_ops(ops_dsn)
    latest_before = {key: instance.get_latest_materialization_event(key).timestamp
                     for key in (ACCOUNT_MOVE, RES_PARTNER, AssetKey(["warehouse", "ar_snapshot"]))}

    result = build_retention_job().execute_in_process(instance=instance,
                                                      resources={"warehouse": PostgresResource(dsn=ops_dsn)})

    assert result.success
    left = {run.run_id for run in instance.get_runs()} - {result.run_id}
    assert left == {runs[n] for n in ("only_snapshot_40d", "new_cash_1d", "success_29d", "failed_40d")}
    for gone in ("old_cash_40d", "success_40d", "failed_100d"):
        assert instance.all_logs(runs[gone]) == []  # the event log went with the run
    assert instance.all_logs(runs["failed_40d"])

    assert runless_ages(instance, dagster_dsn) == {
        "odoo/res_partner ASSET_MATERIALIZATION": [45],  # older than the cutoff, but the asset's latest
        "odoo/res_currency ASSET_OBSERVATION": [40],
        "odoo/account_move ASSET_MATERIALIZATION": [1],
    }
    assert {key: instance.get_latest_materialization_event(key).timestamp for key in latest_before} == latest_before
    with psycopg.connect(dagster_dsn) as conn:
        orphans = conn.execute("SELECT count(*) FROM asset_event_tags t WHERE NOT EXISTS "
                               "(SELECT 1 FROM event_logs e WHERE e.id = t.event_id)").fetchone()[0]
    assert orphans == 0

    ticks = instance.get_ticks(sensor.instigator_origin_id, sensor.selector_id)
    assert sorted(round((time.time() - t.timestamp) / DAY) for t in ticks) == [0, 29]

    assert ops_rows(ops_dsn) == {
        "health_log": [("new warehouse",)],
        "drift_log": [("local", "NEW")],
        "superset_applies": [("local", "second"), ("staging", "only")],  # the latest apply of each env stays
    }
    metadata = {k: v.value for e in result.all_events if e.event_type_value == "STEP_OUTPUT"
                for k, v in e.step_output_data.metadata.items()}
    assert metadata == {"runs_deleted": 3, "runs_kept_for_assets": 2, "runless_events_deleted": 3,
                        "latest_events_kept": 5, "instigators_purged": 1, "health_log_deleted": 1,
                        "drift_log_deleted": 2, "superset_applies_deleted": 1}
