"""What the service did, in the warehouse's `ops` schema (written as the ops role):

- `ops.webhook_calls`: every call, accepted or refused: endpoint, caller, outcome, HTTP status, seconds and a
  short detail (never a secret, a signature or a body);
- `ops.webhook_deliveries`: each delivery id taken once (`ocr-complete` job ids), with the run that loads it;
- `ops.chat_replies`: where a slash command's result goes (Mattermost's response_url), kept here so the URL,
  which lets anyone post to the channel, never appears in a Dagster run's config or logs.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from dagster_project.config import database, schemas
from dagster_project.config.redact import redact

SCHEMA = "ops"
TABLES = {
    "webhook_calls": "id bigserial PRIMARY KEY, called_at timestamptz NOT NULL DEFAULT now(), env text NOT NULL, "
                     "endpoint text NOT NULL, caller text NOT NULL, outcome text NOT NULL, status integer NOT NULL, "
                     "seconds double precision NOT NULL, detail jsonb NOT NULL DEFAULT '{}'::jsonb",
    "webhook_deliveries": "source text NOT NULL, delivery_id text NOT NULL, received_at timestamptz NOT NULL DEFAULT "
                          "now(), run_id text, PRIMARY KEY (source, delivery_id)",
    "chat_replies": "reply_id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), command text NOT NULL, "
                    "user_name text NOT NULL, response_url text NOT NULL",
}
REPLY_MINUTES = 30  # Mattermost takes posts to a response_url for 30 minutes


_READY: set[str] = set()  # warehouses whose tables this process has made sure of (once, not per call)


def connect(dsn: str) -> psycopg.Connection:
    conn = database.connect(dsn, autocommit=True, source="the webhook service's ops role")
    if dsn not in _READY:
        schemas.ensure_tables(conn, SCHEMA, TABLES)
        _READY.add(dsn)
    return conn


def _table(name: str) -> sql.Composed:
    return sql.SQL("{}").format(sql.Identifier(SCHEMA, name))


def record_call(dsn: str, env: str, endpoint: str, caller: str, outcome: str, status: int, seconds: float,
                detail: dict[str, Any]) -> None:
    with connect(dsn) as conn:
        conn.execute(sql.SQL("INSERT INTO {} (env, endpoint, caller, outcome, status, seconds, detail) "
                             "VALUES (%s, %s, %s, %s, %s, %s, %s)").format(_table("webhook_calls")),
                     (env, endpoint, caller, outcome, status, seconds,
                      Jsonb(json.loads(redact(json.dumps(detail, default=str))))))


def take_delivery(conn: psycopg.Connection, source: str, delivery_id: str) -> str | None:
    """Claim a delivery id inside the caller's transaction: None when new, else the run of the first delivery
    ('' when it had none)."""
    taken = conn.execute(sql.SQL("INSERT INTO {} (source, delivery_id) VALUES (%s, %s) ON CONFLICT DO NOTHING "
                                 "RETURNING delivery_id").format(_table("webhook_deliveries")),
                         (source, delivery_id)).fetchone()
    if taken:
        return None
    row = conn.execute(sql.SQL("SELECT run_id FROM {} WHERE source = %s AND delivery_id = %s")
                       .format(_table("webhook_deliveries")), (source, delivery_id)).fetchone()
    return (row[0] or "") if row else ""


def set_delivery_run(conn: psycopg.Connection, source: str, delivery_id: str, run_id: str) -> None:
    conn.execute(sql.SQL("UPDATE {} SET run_id = %s WHERE source = %s AND delivery_id = %s")
                 .format(_table("webhook_deliveries")), (run_id, source, delivery_id))


def save_reply(dsn: str, command: str, user_name: str, response_url: str) -> str:
    reply_id = str(uuid.uuid4())
    with connect(dsn) as conn:
        conn.execute(sql.SQL("DELETE FROM {} WHERE created_at < now() - make_interval(mins => %s)")
                     .format(_table("chat_replies")), (REPLY_MINUTES,))
        conn.execute(sql.SQL("INSERT INTO {} (reply_id, command, user_name, response_url) VALUES (%s, %s, %s, %s)")
                     .format(_table("chat_replies")), (reply_id, command, user_name, response_url))
    return reply_id


def pop_reply(dsn: str, reply_id: str) -> str | None:
    """The response_url of a reply slot, once: None when it expired or was used."""
    with connect(dsn) as conn:
        row = conn.execute(sql.SQL("DELETE FROM {} WHERE reply_id = %s AND created_at >= now() - "
                                   "make_interval(mins => %s) RETURNING response_url").format(_table("chat_replies")),
                           (reply_id, REPLY_MINUTES)).fetchone()
    return row[0] if row else None
