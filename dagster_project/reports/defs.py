"""The reports part of the code location: `reports/monthly_financial`, one partition per month (each holds the
consolidated report and one per company), downstream of the marts it reads, and its schedule: the previous
month on the 1st at 06:00 Asia/Manila. (No `from __future__ import annotations`: Dagster reads the context
parameter's annotation at definition time.)"""

import os

from dagster import (
    AssetExecutionContext,
    AssetKey,
    DefaultScheduleStatus,
    Definitions,
    MaterializeResult,
    MetadataValue,
    MonthlyPartitionsDefinition,
    asset,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

from dagster_project.reports.build import produce_all
from dagster_project.reports.deliver import deliver, report_link
from dagster_project.reports.period import TIMEZONE, reportable
from dagster_project.resources.postgres import PostgresResource

KEY = AssetKey(["reports", "monthly_financial"])
GROUP = "reports"  # partitioned by month: the jobs that refresh "everything downstream" leave it out
JOB_NAME = "monthly_financial_report"
START_VARIABLE = "HYBRID_REPORTS_START"  # the first month a backfill can choose (YYYY-MM-01)
DEFAULT_START = "2025-01-01"
READS = ("income_statement_monthly", "fct_open_items_month_end", "expenses_monthly", "cash_position",
         "ocr_bill_matching", "dim_company", "dim_partner", "dim_currency", "fct_journal_items")


def partitions() -> MonthlyPartitionsDefinition:
    """A month's partition opens at 06:00 Manila on the 1st of the next month, when the month is over."""
    return MonthlyPartitionsDefinition(start_date=os.environ.get(START_VARIABLE) or DEFAULT_START,
                                       timezone=TIMEZONE, hour_offset=6)


def reports_definitions(env_name: str) -> Definitions:
    months = partitions()

    @asset(key=KEY, partitions_def=months, deps=[AssetKey(["warehouse", name]) for name in READS],
           group_name=GROUP, kinds={"python", "pdf"},
           description="The month's financial report (consolidated and per company) as PDF, HTML and JSON, "
                       "posted to the finance channel (docs/reports.md).")
    def monthly_financial(context: AssetExecutionContext, warehouse: PostgresResource) -> MaterializeResult:
        month = reportable(context.partition_key)
        with warehouse.connect(autocommit=True) as conn:
            stored = produce_all(conn, env_name, month, context.run.run_id, progress=context.log.info)
        delivery = deliver(stored)
        context.log.info(f"delivered by {delivery.mode}")
        first = stored[0]
        return MaterializeResult(metadata={
            "pdf": MetadataValue.path(str(first.pdf.path)),
            "pdf_sha256": first.pdf.sha256,
            "summary": first.report.summary(),
            "insights": MetadataValue.md("\n".join(f"- {i.message}" for i in first.report.insights) or "none"),
            "reports": MetadataValue.json([{
                "scope": s.report.scope, "insights": len(s.report.insights),
                **{f"{f.format}_path": str(f.path) for f in s.files.values()},
                **{f"{f.format}_sha256": f.sha256 for f in s.files.values()}} for s in stored]),
            "delivery": delivery.mode,
            "link": MetadataValue.url(report_link(first)),
        })

    job = define_asset_job(JOB_NAME, selection=[KEY])
    schedule = build_schedule_from_partitioned_job(job, hour_of_day=6, minute_of_hour=0,
                                                   default_status=DefaultScheduleStatus.RUNNING)
    return Definitions(assets=[monthly_financial], jobs=[job], schedules=[schedule])
