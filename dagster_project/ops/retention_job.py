"""`dagster_instance_retention`: the daily purge of old runs, runless asset events, ticks and `ops` rows
(retention.py says what goes and what stays). DAGSTER_RETENTION_DAYS (default 30) and
DAGSTER_RETENTION_FAILED_DAYS (default 90) are read when the run starts."""

from dagster import (
    Config,
    DefaultScheduleStatus,
    In,
    JobDefinition,
    Nothing,
    OpExecutionContext,
    ScheduleDefinition,
    in_process_executor,
    job,
    op,
)

from dagster_project.ops import retention
from dagster_project.ops.settings import failed_retention_days, retention_days
from dagster_project.resources.postgres import PostgresResource

JOB_NAME = "dagster_instance_retention"
SCHEDULE_NAME = "dagster_instance_retention_daily"
CRON = "30 3 * * *"  # after the nightly marts (02:00) and the Superset refresh (02:30)
TIMEZONE = "Asia/Manila"


class RetentionConfig(Config):
    max_runs: int = 10_000  # per run of the job: a large backlog is worked off over several days


def _cutoffs(context: OpExecutionContext) -> retention.Cutoffs:
    cutoffs = retention.Cutoffs.from_days(retention_days(), failed_retention_days())
    context.log.info(f"cutoff {cutoffs.general:%Y-%m-%d %H:%M} UTC (failed runs {cutoffs.failed:%Y-%m-%d %H:%M})")
    return cutoffs


@op
def purge_old_runs(context: OpExecutionContext, config: RetentionConfig) -> None:
    """Runs and their event logs, except those holding an asset's latest materialization."""
    keep = {run_id for run_id in retention.latest_asset_events(context.instance).values() if run_id}
    deleted = retention.purge_runs(context.instance, _cutoffs(context), keep, context.log.info, config.max_runs)
    context.add_output_metadata({"runs_deleted": len(deleted), "runs_kept_for_assets": len(keep)})


@op(ins={"after_runs": In(Nothing)})
def purge_runless_asset_events(context: OpExecutionContext) -> None:
    """The replication sensor's runless materializations (and observations), the latest per asset kept."""
    keep = set(retention.latest_asset_events(context.instance))
    deleted = retention.purge_runless_events(context.instance, _cutoffs(context).general, keep, context.log.info)
    context.add_output_metadata({"runless_events_deleted": deleted, "latest_events_kept": len(keep)})


@op(ins={"after_events": In(Nothing)})
def purge_old_ticks(context: OpExecutionContext) -> None:
    names = retention.purge_ticks(context.instance, _cutoffs(context).general, context.log.info)
    context.add_output_metadata({"instigators_purged": len(names)})


@op(ins={"after_ticks": In(Nothing)})
def purge_ops_rows(context: OpExecutionContext, warehouse: PostgresResource) -> None:
    """ops.health_log, ops.drift_log, ops.superset_applies in the code location's warehouse."""
    deleted = retention.purge_ops_tables(warehouse.dsn, _cutoffs(context).general, context.log.info)
    context.add_output_metadata({f"{name}_deleted": count for name, count in deleted.items()})


def build_retention_job() -> JobDefinition:
    @job(name=JOB_NAME, executor_def=in_process_executor,
         description="Purge runs, runless asset events, ticks and ops rows older than DAGSTER_RETENTION_DAYS "
                     "(failed runs: DAGSTER_RETENTION_FAILED_DAYS), keeping each asset's latest event.")
    def dagster_instance_retention() -> None:
        purge_ops_rows(purge_old_ticks(purge_runless_asset_events(purge_old_runs())))

    return dagster_instance_retention


def build_retention_schedule(retention_job: JobDefinition) -> ScheduleDefinition:
    return ScheduleDefinition(name=SCHEDULE_NAME, job=retention_job, cron_schedule=CRON, execution_timezone=TIMEZONE,
                              default_status=DefaultScheduleStatus.RUNNING,
                              description="Daily at 03:30 Asia/Manila: dagster_instance_retention.")
