"""The replica-equals-source check on every `odoo/<table>`, its two schedules and its alert.

Every 6 hours (with the Superset drift check) a sample of key ranges per table is compared and new Odoo
tables nobody replicates are reported; every night, before the marts are rebuilt, every range. A
difference fails the check and posts to Mattermost like drift does.
"""


from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetSelection,
    Config,
    DefaultScheduleStatus,
    ScheduleDefinition,
    define_asset_job,
    multi_asset_check,
)

from dagster_project.config.mattermost import post_message
from dagster_project.replication import diagnosis
from dagster_project.replication.assets import asset_key
from dagster_project.replication.config import Endpoints, ReplicationConfig
from dagster_project.replication.verify import VerifyReport, verify
from dagster_project.resources.postgres import PostgresResource

CHECK = "replica_equals_source"
JOB = "replica_verify"
TIMEZONE = "Asia/Manila"
SAMPLED_CRON = "0 */6 * * *"  # with the Superset drift check
FULL_CRON = "0 1 * * *"  # before nightly_marts (02:00)


class VerifyConfig(Config):
    full: bool = False  # every key range, else `sample` random ranges per table and the newest one
    sample: int = 4


def alert_text(report: VerifyReport, new_tables: dict[str, str]) -> str | None:
    """The Mattermost message, or None when there is nothing to say."""
    lines = []
    differing = [t for t in report.tables if not t.equal]
    if differing:
        lines.append(f"**Replica differs from Odoo in {report.env}**: {len(differing)} table(s)")
        for table in differing[:20]:
            ranges = ", ".join(d.range for d in table.differences[:5])
            lines.append(f"- {table.table}: {table.problem or f'{len(table.differences)} key range(s): {ranges}'}")
        lines.append(f"Repair with `hybrid replication verify --env {report.env} --repair`.")
    if new_tables:
        lines.append(f"**New Odoo tables in {report.env}, not replicated**: add under tables in "
                     "config/replication.yaml to replicate them (or take a new `hybrid odoo schema-snapshot`):")
        lines += [f"- `{line.strip()}`" for line in new_tables.values()]
    return "\n".join(lines) or None


def build_verify_check(tables: ReplicationConfig, env: str) -> AssetChecksDefinition:
    specs = [AssetCheckSpec(CHECK, asset=asset_key(t), description="the warehouse table holds the Odoo table's "
                            "rows: ordered checksums over primary-key ranges (sampled every 6 hours, all nightly)")
             for t in tables.tables]

    @multi_asset_check(specs=specs, name="odoo_replica_verify",
                       description="Replica against source by checksums over key ranges; alerts on a difference "
                                   "and on new Odoo tables nobody replicates.")
    def odoo_replica_verify(context: AssetCheckExecutionContext, config: VerifyConfig, odoo_db: PostgresResource,
                            odoo_replication: PostgresResource,
                            warehouse: PostgresResource) -> Iterator[AssetCheckResult]:
        endpoints = Endpoints(env, odoo_db.dsn, odoo_replication.dsn, warehouse.dsn,
                              sources={"source": odoo_db.source, "replication": odoo_replication.source,
                                       "warehouse": warehouse.source})
        report = verify(endpoints, tables, sample=None if config.full else config.sample,
                        progress=context.log.info)
        with endpoints.connect("replication") as repl:
            new_tables = diagnosis.unreplicated_tables(repl, tables, env)
        text = alert_text(report, new_tables)
        if text:
            context.log.warning(text)
            post_message(text, kind="replication verify alert")
        for result in report.tables:
            yield AssetCheckResult(
                asset_key=asset_key(tables.table(result.table)), check_name=CHECK, passed=result.equal,
                severity=AssetCheckSeverity.ERROR,
                metadata={"mode": "full" if config.full else f"sampled ({config.sample} ranges and the newest)",
                          "ranges_compared": result.ranges_compared, "ranges_total": result.ranges_total,
                          "source_rows_compared": result.source_rows, "replica_rows_compared": result.replica_rows,
                          "differences": "; ".join(f"{d.range}: {d.source_rows} vs {d.replica_rows} rows"
                                                   for d in result.differences[:20]) or result.problem or "none"})

    return odoo_replica_verify


def build_verify_schedules(check: AssetChecksDefinition) -> list[ScheduleDefinition]:
    job = define_asset_job(JOB, selection=AssetSelection.checks(check),
                           description="Compare the replicas with Odoo by checksums over key ranges.")
    full = {"ops": {"odoo_replica_verify": {"config": {"full": True}}}}
    return [
        ScheduleDefinition(name="replica_verify_sampled", job=job, cron_schedule=SAMPLED_CRON,
                           execution_timezone=TIMEZONE, default_status=DefaultScheduleStatus.RUNNING,
                           description="Every 6 hours: sampled key ranges per table, new Odoo tables reported."),
        ScheduleDefinition(name="replica_verify_full", job=job, cron_schedule=FULL_CRON, run_config=full,
                           execution_timezone=TIMEZONE, default_status=DefaultScheduleStatus.RUNNING,
                           description="Nightly before the marts: every key range of every table."),
    ]
