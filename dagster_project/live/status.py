"""Where the live path stands in an environment: what is applied, what waits, how old the oldest waiting
change is, the last batch, and which source tables carry the trigger."""

from __future__ import annotations

from typing import Any

from dagster_project.config import database
from dagster_project.live.changes import TRIGGER


def live_status(dsn: str) -> dict[str, Any]:
    with database.connect(dsn, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('live.state') IS NULL").fetchone()[0]:
            return {"installed": False, "triggers": [], "applied_change": None, "pending": None,
                    "oldest_pending_s": None, "last_batch": None}
        applied = conn.execute("SELECT coalesce(max(applied_change), 0) FROM live.state").fetchone()[0]
        pending, oldest = conn.execute(
            "SELECT count(*), extract(epoch FROM clock_timestamp() - min(changed_at)) FROM live.changes WHERE id > %s",
            (applied,)).fetchone()
        last = conn.execute("SELECT finished_at, changes, full_refresh, seconds, replica_lsn FROM live.refreshes "
                            "ORDER BY id DESC LIMIT 1").fetchone()
        triggers = [r[0] for r in conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.tgname = %s AND t.tgenabled = 'A' ORDER BY 1",
            (TRIGGER,)).fetchall()]
    return {"installed": True, "triggers": triggers, "applied_change": applied, "pending": pending,
            "oldest_pending_s": float(oldest) if oldest is not None else None,
            "last_batch": None if last is None else {"finished_at": last[0].isoformat(), "changes": last[1],
                                                     "full": last[2], "seconds": round(last[3], 3),
                                                     "replica_lsn": last[4]}}
