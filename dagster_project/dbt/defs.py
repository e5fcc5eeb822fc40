"""The dbt part of the code location: the models, their eager automation sensor, the nightly rebuild. With the
live path on (the default, config/live_marts.py) the eager sensor starts stopped: the live worker keeps the
marts current, and an eager run beside it would be a second writer of the same tables."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    AutomationConditionSensorDefinition,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    RunConfig,
    ScheduleDefinition,
)

from dagster_project.config.live_marts import VARIABLE as LIVE_VARIABLE
from dagster_project.config.live_marts import live_marts_enabled
from dagster_project.config.matrix import Environment
from dagster_project.dbt.assets import ASSETS_NAME, DbtBuildConfig, build_dbt_assets, dbt_resource

NIGHTLY_CRON = "0 2 * * *"
# Dagster's default is 30 s; evaluating the eager conditions of a few dozen models is cheap, and every second
# here is a second of dashboard staleness (bench/bench_freshness.py). The asset daemon loops every 5 s anyway.
AUTOMATION_INTERVAL_SECONDS = 5
TIMEZONE = "Asia/Manila"


def dbt_definitions(env: Environment) -> Definitions:
    models = build_dbt_assets(env)
    selection = AssetSelection.assets(models)
    nightly = ScheduleDefinition(
        name="nightly_marts",
        target=selection,
        cron_schedule=NIGHTLY_CRON,
        execution_timezone=TIMEZONE,
        run_config=RunConfig(ops={ASSETS_NAME: DbtBuildConfig(full_refresh=True)}),
        default_status=DefaultScheduleStatus.RUNNING,
        description="Rebuilds every staging model and mart from scratch (full refresh) and runs every dbt test.",
    )
    automation = AutomationConditionSensorDefinition(
        name="dbt_eager_automation",
        target=selection,
        default_status=DefaultSensorStatus.STOPPED if live_marts_enabled() else DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=AUTOMATION_INTERVAL_SECONDS,
        description="Runs dbt models eagerly when replication reports new data in their odoo/<table> sources. "
                    f"Stopped by default while the live path keeps the marts current ({LIVE_VARIABLE}=off runs it).",
    )
    return Definitions(assets=[models], schedules=[nightly], sensors=[automation],
                       resources={"dbt": dbt_resource(env)})
