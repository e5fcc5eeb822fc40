"""`instance_health`: every 15 minutes, the checks of `hybrid health` for every environment configured in this
process, recorded in `ops.health_log` of the code location's own warehouse.

Failed checks are data, not a failed run: they are recorded and alerted (when the set of failures changes).
The run fails only when the log cannot be written or the alert cannot be delivered, and then the
run-failure sensor reports it.
"""

from collections import Counter

from dagster import (
    Config,
    DefaultScheduleStatus,
    JobDefinition,
    MetadataValue,
    OpExecutionContext,
    ScheduleDefinition,
    job,
    op,
)

from dagster_project.config.matrix import Environment, load_matrix, runtime_environ
from dagster_project.config.mattermost import post_with_retry
from dagster_project.health.checks import check_environment
from dagster_project.ops.health_log import alert_message, changes, configured_environments, previous_statuses, record
from dagster_project.ops.links import run_url
from dagster_project.resources.postgres import PostgresResource

JOB_NAME = "instance_health_check"
SCHEDULE_NAME = "instance_health"
CRON = "*/15 * * * *"
TIMEZONE = "Asia/Manila"


class HealthConfig(Config):
    timeout_seconds: float = 5.0


def build_health_job(env: Environment) -> JobDefinition:
    @op(name="check_and_record_health")
    def check_and_record_health(context: OpExecutionContext, config: HealthConfig,
                                warehouse: PostgresResource) -> None:
        environ = runtime_environ()
        targets = configured_environments(load_matrix(), environ, own=env.name)
        results = {}
        for target in targets:
            results[target.name] = check_environment(target, environ, timeout=config.timeout_seconds)
            counts = Counter(r.status for r in results[target.name])
            context.log.info(f"{target.name}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
        previous = previous_statuses(warehouse.dsn, list(results))
        rows = record(warehouse.dsn, context.run_id, results)
        found = changes(previous, results)
        if found.alert:
            post_with_retry(alert_message(found, env.name, run_url(context.run_id)), kind="health alert")
        totals = Counter(r.status for checks in results.values() for r in checks)
        context.add_output_metadata({
            "environments": MetadataValue.text(", ".join(results)), "rows_recorded": rows,
            **{f"checks_{status}": totals.get(status, 0) for status in ("ok", "failed", "skipped")},
            "alerted": found.alert,
        })

    @job(name=JOB_NAME, description="Health checks of every configured environment into ops.health_log; "
                                     "Mattermost alert when failures start or end.")
    def instance_health_check() -> None:
        check_and_record_health()

    return instance_health_check


def build_health_schedule(health_job: JobDefinition) -> ScheduleDefinition:
    return ScheduleDefinition(name=SCHEDULE_NAME, job=health_job, cron_schedule=CRON, execution_timezone=TIMEZONE,
                              default_status=DefaultScheduleStatus.RUNNING,
                              description="Every 15 minutes: hybrid health for each configured environment, "
                                          "recorded in ops.health_log.")
