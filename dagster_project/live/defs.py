"""The live path in the code location: a sensor that records each live table's freshness as Dagster
observations (the replica position and the newest change each batch included), and a check per table that
it equals a full build of the same data, run every night before the full rebuild replaces the tables."""

from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSpec,
    AssetKey,
    AssetObservation,
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    MetadataValue,
    ScheduleDefinition,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    multi_asset_check,
    sensor,
)
from dagster_dbt.dbt_manifest import validate_manifest

from dagster_project.config.matrix import Environment
from dagster_project.dbt.manifest import ensure_manifest
from dagster_project.live.catalog import MATERIALIZED
from dagster_project.live.setup import target_dir
from dagster_project.live.verify import verify
from dagster_project.live.worker import compile_catalog
from dagster_project.resources.postgres import PostgresResource

CHECK = "live_matches_full_build"
SENSOR = "live_marts_freshness"
INTERVAL_SECONDS = 15
VERIFY_CRON = "30 1 * * *"  # before nightly_marts (02:00) replaces the tables with dbt's own build
TIMEZONE = "Asia/Manila"


def live_keys() -> dict[AssetKey, str]:
    """Each table the live path keeps, as its Dagster key (schema/name, the dbt translator's) -> model name."""
    # dagster-dbt's own cached parse of the same file (@dbt_assets read it already): no second parse at load
    nodes = validate_manifest(ensure_manifest(progress=lambda _: None))["nodes"].values()
    return {AssetKey([n["schema"], n.get("alias") or n["name"]]): n["name"] for n in nodes
            if n["resource_type"] == "model" and n["config"]["materialized"] in MATERIALIZED}


def observations(rows: list[tuple[Any, ...]]) -> list[AssetObservation]:
    """One observation per table: its latest batch in `rows` (id, finished_at, last_change, newest_change_at,
    replica_lsn, models), and how many batches touched it since the last tick."""
    latest: dict[str, tuple[Any, ...]] = {}
    touched: dict[str, int] = {}
    for row in rows:
        for info in row[5].values():
            latest[info["relation"]] = (*row[:5], info)
            touched[info["relation"]] = touched.get(info["relation"], 0) + 1
    found = []
    for relation, (_, finished, last_change, newest, lsn, info) in sorted(latest.items()):
        metadata: dict[str, Any] = {"live/last_change": last_change, "live/replica_lsn": lsn or "",
                                    "live/refreshed_at": MetadataValue.timestamp(finished),
                                    "live/mode": info["mode"], "live/rows": info["rows"],
                                    "live/batches": touched[relation]}
        if newest is not None:
            metadata["live/lag_seconds"] = round((finished - newest).total_seconds(), 3)
        found.append(AssetObservation(asset_key=AssetKey(relation.split(".")), metadata=metadata))
    return found


def build_freshness_sensor() -> SensorDefinition:
    @sensor(name=SENSOR, minimum_interval_seconds=INTERVAL_SECONDS, default_status=DefaultSensorStatus.RUNNING,
            description="Records each live table's freshness (replica position, newest change, lag) from "
                        "live.refreshes as asset observations.")
    def live_marts_freshness(context: SensorEvaluationContext,
                             warehouse: PostgresResource) -> SensorResult | SkipReason:
        after = int(context.cursor or 0)
        with warehouse.connect(autocommit=True) as conn:
            if conn.execute("SELECT to_regclass('live.refreshes') IS NULL").fetchone()[0]:
                return SkipReason("the live path is not set up; fix: hybrid live setup --env <env>")
            rows = conn.execute("SELECT id, finished_at, last_change, newest_change_at, replica_lsn, models FROM "
                                "live.refreshes WHERE id > %s ORDER BY id LIMIT 5000", (after,)).fetchall()
        if not rows:
            return SkipReason("no live batch since the last tick")
        return SensorResult(asset_events=observations(rows), cursor=str(rows[-1][0]))

    return live_marts_freshness


def build_verify_checks(env: Environment) -> AssetChecksDefinition:
    keys = live_keys()
    specs = [AssetCheckSpec(CHECK, asset=key, description="The live table holds exactly what a full build of "
                                                          "the same data would (row for row)") for key in keys]

    @multi_asset_check(specs=specs, name="live_verify_checks", can_subset=True,
                       required_resource_keys={"dbt_warehouse"})
    def live_verify_checks(context: AssetCheckExecutionContext) -> Iterator[AssetCheckResult]:
        wanted = {keys[key.asset_key] for key in context.selected_asset_check_keys}
        catalog = compile_catalog(env, target_dir(env))
        for difference in verify(context.resources.dbt_warehouse.dsn, catalog, wanted):
            key = next(k for k, name in keys.items() if name == difference.model)
            yield AssetCheckResult(asset_key=key, check_name=CHECK, passed=difference.equal,
                                   metadata={"missing_rows": difference.missing, "extra_rows": difference.extra})

    return live_verify_checks


def live_definitions(env: Environment) -> Definitions:
    checks = build_verify_checks(env)
    job = define_asset_job("live_verify", selection=AssetSelection.checks(checks),
                           description="Compares every live table with a full build of the same data.")
    schedule = ScheduleDefinition(name="live_verify_nightly", job=job, cron_schedule=VERIFY_CRON,
                                  execution_timezone=TIMEZONE, default_status=DefaultScheduleStatus.RUNNING)
    return Definitions(asset_checks=[checks], jobs=[job], schedules=[schedule], sensors=[build_freshness_sensor()])
