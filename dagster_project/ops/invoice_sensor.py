"""`big_invoice_alerts`: posts to Mattermost when a newly posted Odoo customer invoice is at or above
BIG_INVOICE_THRESHOLD (company currency), linking the AR aging dashboard. The rules are in invoice_alerts.py."""

import datetime as dt
import json

import psycopg
from dagster import DefaultSensorStatus, SensorDefinition, SensorEvaluationContext, SkipReason, sensor

from dagster_project.config import database
from dagster_project.config.matrix import Environment
from dagster_project.config.mattermost import post_message
from dagster_project.ops.invoice_alerts import Invoice, alert_message, scan, send_pending
from dagster_project.ops.links import dashboard_slug, dashboard_url
from dagster_project.ops.settings import big_invoice_threshold
from dagster_project.resources.postgres import PostgresResource

SENSOR_NAME = "big_invoice_alerts"
DASHBOARD = "ar_aging"
INTERVAL_SECONDS = 30
SCAN_BATCH = 500  # ledger rows added per tick
SEND_BATCH = 20  # messages posted per tick


def build_big_invoice_sensor(env: Environment, *, scan_batch: int = SCAN_BATCH,
                             send_batch: int = SEND_BATCH) -> SensorDefinition:
    slug = dashboard_slug(env, DASHBOARD)

    @sensor(name=SENSOR_NAME, minimum_interval_seconds=INTERVAL_SECONDS, default_status=DefaultSensorStatus.RUNNING,
            description="Mattermost alert when a newly posted customer invoice is at or above BIG_INVOICE_THRESHOLD "
                        "(company currency); links the AR aging dashboard. Ledger: ops.invoice_alerts.")
    def big_invoice_alerts(context: SensorEvaluationContext, warehouse: PostgresResource) -> SkipReason:
        threshold = big_invoice_threshold()
        state = json.loads(context.cursor) if context.cursor else None
        since = dt.datetime.fromisoformat(state["since"]) if state and state.get("since") else None
        link = dashboard_url(env, slug)

        def post(invoice: Invoice) -> bool:
            return post_message(alert_message(invoice, env.name, threshold, link), kind="big invoice alert")

        with database.connect(warehouse.dsn, autocommit=True) as conn:
            try:
                found = scan(conn, env.name, since, baselined=state is not None, threshold=threshold,
                             batch=scan_batch)
            except psycopg.errors.UndefinedTable as exc:
                return SkipReason(f"the warehouse has no replica of Odoo's invoices yet "
                                  f"({str(exc).splitlines()[0]}); fix: hybrid replication setup --env {env.name}")
            if found.waiting:
                return SkipReason(found.waiting)
            context.update_cursor(json.dumps({"since": found.since.isoformat() if found.since else None}))
            sent = send_pending(conn, env.name, send_batch, post)
        if state is None:
            return SkipReason(f"started from now: {found.baseline} invoice(s) already posted recorded, none alerted")
        return SkipReason(f"{found.pending + found.below} newly posted customer invoice(s), {found.pending} at or "
                          f"above {threshold}; alerted: {', '.join(i.name for i in sent) or 'none'}")

    return big_invoice_alerts
