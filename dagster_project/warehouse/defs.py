"""The warehouse-schema part of the code location: a check on each mart and OCR table that its live shape
is the declared one, and a 6-hourly job (beside Superset's drift_check) that compares everything and alerts."""

from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    DefaultScheduleStatus,
    Definitions,
    OpExecutionContext,
    ScheduleDefinition,
    job,
    multi_asset_check,
    op,
)

from dagster_project.config.matrix import Environment
from dagster_project.warehouse.contracts import MARTS_SCHEMA, read_contracts
from dagster_project.warehouse.drift import notify_schema_drift, schema_drift

CHECK = "warehouse_schema"
DRIFT_CRON = "0 */6 * * *"  # the cadence of Superset's drift_check
TIMEZONE = "Asia/Manila"
OCR_TABLES = ("documents", "invoices", "invoice_lines")


def checked_assets() -> list[AssetKey]:
    """The tables that are assets: the contracted marts and the OCR tables (ops's records are not assets)."""
    marts = sorted(t.name for t in read_contracts().values())
    return [*(AssetKey([MARTS_SCHEMA, m]) for m in marts), *(AssetKey(["ocr", t]) for t in OCR_TABLES)]


def build_schema_checks(env: Environment) -> AssetChecksDefinition:
    specs = [AssetCheckSpec(CHECK, asset=key, description="The live table has its declared columns, types, keys "
                                                          "and row-level security (hybrid warehouse drift).")
             for key in checked_assets()]

    @multi_asset_check(specs=specs, name="warehouse_schema_checks", can_subset=True)
    def warehouse_schema_checks(context: AssetCheckExecutionContext) -> Iterator[AssetCheckResult]:
        drift = schema_drift(env)
        for key in context.selected_asset_check_keys:
            table = ".".join(key.asset_key.path)
            changes = [c.to_json() for c in drift.changes if c.table == table]
            yield AssetCheckResult(asset_key=key.asset_key, check_name=CHECK, passed=not changes,
                                   severity=AssetCheckSeverity.WARN, metadata={"changes": changes,
                                                                               "status": drift.status})

    return warehouse_schema_checks


def warehouse_definitions(env: Environment) -> Definitions:
    @op(name="warehouse_drift_and_alert")
    def drift_op(context: OpExecutionContext) -> str:
        """Compare the live warehouse with the DBML and the dbt contracts; alert on drift."""
        drift = schema_drift(env)
        context.log.info(drift.text())
        notify_schema_drift(drift)
        return drift.status

    @job(name="warehouse_drift_check", description="The warehouse's schemas against dbml/supabase and the dbt "
                                                   "contracts (hybrid warehouse drift).")
    def drift_job() -> None:
        drift_op()

    schedule = ScheduleDefinition(name="warehouse_drift_check", job=drift_job, cron_schedule=DRIFT_CRON,
                                  execution_timezone=TIMEZONE, default_status=DefaultScheduleStatus.RUNNING,
                                  description="Every 6 hours: warehouse schema drift, Mattermost alert on drift.")
    return Definitions(asset_checks=[build_schema_checks(env)], jobs=[drift_job], schedules=[schedule])
