"""`POST /webhooks/odoo-invoice`: Odoo's automated action says a move was posted. Replication carries the
data; this call only says "now": it launches `odoo_invoice_refresh` (the marts and Superset datasets
downstream of the moves) instead of waiting for the next automation tick, and a burst of calls collapses into
one run: a call that finds a refresh run that has not started yet joins it (the run reads the replica
after it starts, so it includes that call's move). An advisory lock makes the check and the launch one step
for every worker of the service.

With the live path installed (docs/marts.md#live-marts) the worker already follows the replica within a
second: the call launches nothing and says so.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dagster_project.config.live_marts import live_marts_enabled
from dagster_project.live.status import live_status
from dagster_project.ops import launcher
from dagster_project.webhooks import calls

JOB_NAME = "odoo_invoice_refresh"
REFRESH_TAG = "hybrid/refresh"
REFRESH_VALUE = "odoo-invoice"
LOCK = "hybrid/webhooks/odoo-invoice-refresh"
MOVE_MODEL = "account.move"


class OdooInvoice(BaseModel):
    """The body of Odoo's "Send Webhook Notification" action: `_model`, `_id` and the fields chosen."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    model: str = Field(alias="_model", pattern=r"^account\.move$", description="Always account.move.")
    id: int = Field(alias="_id", gt=0, description="The move's id (account_move.id).")


def request_refresh(dsn: str, payload: OdooInvoice, caller: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"move_id": payload.id}
    if live_marts_enabled() and live_status(dsn)["installed"]:
        return {**answer, "refresh": "live", "run_id": None,
                "detail": "the live worker keeps the marts in step with the replica; nothing to launch"}
    with calls.connect(dsn) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (LOCK,))
        pending = launcher.runs({REFRESH_TAG: REFRESH_VALUE}, launcher.NOT_STARTED, limit=1)
        if pending:
            return {**answer, "refresh": "run", "collapsed": True, "run_id": pending[0]["run_id"],
                    "url": pending[0]["url"]}
        run_id = launcher.launch_job(JOB_NAME, tags={REFRESH_TAG: REFRESH_VALUE, "hybrid/caller": caller,
                                                     "hybrid/launched_by": "webhook", "hybrid/move": str(payload.id)})
    return {**answer, "refresh": "run", "collapsed": False, "run_id": run_id, "url": launcher.run_url(run_id)}
