"""The dbt part of the code location: the models, their eager automation sensor, the nightly rebuild."""

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

from dagster_project.config.matrix import Environment
from dagster_project.dbt.assets import ASSETS_NAME, DbtBuildConfig, build_dbt_assets, dbt_resource

NIGHTLY_CRON = "0 2 * * *"
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
        default_status=DefaultSensorStatus.RUNNING,
        description="Runs dbt models eagerly when replication reports new data in their odoo/<table> sources.",
    )
    return Definitions(assets=[models], schedules=[nightly], sensors=[automation],
                       resources={"dbt": dbt_resource(env)})
