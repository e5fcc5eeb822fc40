"""The operations tables in the warehouse's `ops` schema, created on first use (idempotent).

- `ops.health_log`: one row per health check per `instance_health` run (docs/operations.md has queries).
- `ops.invoice_alerts`: the big-invoice sensor's ledger, one row per posted customer invoice it has seen, so
  each invoice alerts once, across restarts and cursor resets, whatever the threshold becomes later.

The Superset control plane keeps `ops.superset_applies` and `ops.drift_log` (dagster_project/superset/state.py).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from dagster_project.config import schemas

SCHEMA = "ops"
HEALTH_LOG = "health_log"
INVOICE_ALERTS = "invoice_alerts"

_HEALTH_LOG_DDL = """
CREATE TABLE IF NOT EXISTS {table} (
    id bigserial PRIMARY KEY,
    run_id text,
    env text NOT NULL,
    component text NOT NULL,
    check_name text NOT NULL,
    status text NOT NULL CHECK (status IN ('ok', 'failed', 'skipped')),
    target text,
    detail text NOT NULL,
    latency_ms numeric(12, 1) NOT NULL,
    checked_at timestamptz NOT NULL DEFAULT now()
)"""
_HEALTH_LOG_INDEXES = (
    "CREATE INDEX IF NOT EXISTS health_log_checked_at ON {table} (checked_at)",
    "CREATE INDEX IF NOT EXISTS health_log_check_latest ON {table} (env, component, check_name, id DESC)",
)

_INVOICE_ALERTS_DDL = """
CREATE TABLE IF NOT EXISTS {table} (
    env text NOT NULL,
    move_id integer NOT NULL,
    name text,
    status text NOT NULL CHECK (status IN ('baseline', 'below', 'pending', 'sent', 'logged')),
    amount numeric NOT NULL,
    currency text,
    write_date timestamp,
    seen_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    PRIMARY KEY (env, move_id)
)"""
_INVOICE_ALERTS_INDEXES = (
    "CREATE INDEX IF NOT EXISTS invoice_alerts_pending ON {table} (env, move_id) WHERE status = 'pending'",
)


def ensure_schema(conn: psycopg.Connection) -> None:
    schemas.ensure_schema(conn, SCHEMA)


def _exists(conn: psycopg.Connection, table: str) -> bool:
    """One cheap lookup, so callers on every tick pay no DDL once the table is there."""
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{SCHEMA}.{table}",)).fetchone()[0]


def _ensure_table(conn: psycopg.Connection, name: str, ddl: str, indexes: tuple[str, ...]) -> None:
    if _exists(conn, name):
        return
    ensure_schema(conn)
    table = sql.Identifier(SCHEMA, name)
    for statement in (ddl, *indexes):
        conn.execute(sql.SQL(statement).format(table=table))


def ensure_health_log(conn: psycopg.Connection) -> None:
    _ensure_table(conn, HEALTH_LOG, _HEALTH_LOG_DDL, _HEALTH_LOG_INDEXES)


def ensure_invoice_alerts(conn: psycopg.Connection) -> None:
    _ensure_table(conn, INVOICE_ALERTS, _INVOICE_ALERTS_DDL, _INVOICE_ALERTS_INDEXES)
