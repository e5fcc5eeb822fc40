"""The Superset part of the code location: object assets, company roles and row-level security, drift checks,
the 6-hourly drift check and the nightly refresh after the marts (dbt's `nightly_marts` runs at 02:00
Asia/Manila; this one at 02:30)."""


from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    JobDefinition,
    OpExecutionContext,
    ScheduleDefinition,
    job,
    op,
)

from dagster_project.config.matrix import Environment
from dagster_project.superset import control
from dagster_project.superset.assets import GROUP, build_drift_checks, build_superset_assets, graph_bundle
from dagster_project.superset.notify import notify_drift
from dagster_project.superset.security_assets import security_definitions
from dagster_project.superset.state import log_drift

TIMEZONE = "Asia/Manila"
DRIFT_CRON = "0 */6 * * *"
REFRESH_CRON = "30 2 * * *"


def build_drift_job(env: Environment) -> JobDefinition:
    @op(name="drift_plan_and_alert")
    def drift_check_op(context: OpExecutionContext) -> str:
        """Compare the live Superset with the last apply, log it to ops.drift_log and alert on drift."""
        report = control.drift(env)
        log_drift(control.state_dsn(env), report.env, report.status, report.changes)
        context.log.info(report.text())
        notify_drift(report)
        return report.status

    @job(name="superset_drift_check", description="Superset drift against the last apply (ops.drift_log).")
    def drift_job() -> None:
        drift_check_op()

    return drift_job


def superset_definitions(env: Environment) -> Definitions:
    bundle = graph_bundle(env)
    objects = build_superset_assets(env, bundle)
    security_assets, security_checks = security_definitions(env, bundle)
    drift_job = build_drift_job(env)
    schedules = [
        ScheduleDefinition(name="drift_check", job=drift_job, cron_schedule=DRIFT_CRON, execution_timezone=TIMEZONE,
                           default_status=DefaultScheduleStatus.RUNNING,
                           description="Every 6 hours: drift-plan, ops.drift_log, Mattermost alert on drift."),
        ScheduleDefinition(name="superset_nightly_refresh", target=AssetSelection.groups(GROUP),
                           cron_schedule=REFRESH_CRON, execution_timezone=TIMEZONE,
                           default_status=DefaultScheduleStatus.RUNNING,
                           description="After nightly_marts (02:00): re-apply, refresh datasets, warm charts, "
                                       "then roles and row-level security."),
    ]
    return Definitions(assets=[objects, *security_assets],
                       asset_checks=[build_drift_checks(env, bundle), *security_checks], jobs=[drift_job],
                       schedules=schedules)
