"""What agents did, in the warehouse's `ops` schema: every tool call (`ops.agent_calls`), every apply
(`ops.deployments`), and the plans an apply must name (`ops.agent_plans`, with the operator's approval).

Arguments are stored with secrets removed: values under secret-looking keys are masked, and connection
strings lose their passwords.
"""

from __future__ import annotations

import json
import re
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from dagster_project.config import database, schemas
from dagster_project.config.redact import MASK, redact

SCHEMA = "ops"
SECRET_KEY = re.compile(r"pass|secret|token|key|credential|dsn|auth", re.I)
TABLES = {
    "agent_calls": "id bigserial PRIMARY KEY, called_at timestamptz NOT NULL DEFAULT now(), env text NOT NULL, "
                   "tool text NOT NULL, arguments jsonb NOT NULL, caller text NOT NULL, seconds double precision "
                   "NOT NULL, outcome text NOT NULL, error text",
    "deployments": "id bigserial PRIMARY KEY, deployed_at timestamptz NOT NULL DEFAULT now(), env text NOT NULL, "
                   "plan_id uuid NOT NULL, changes jsonb NOT NULL, caller text NOT NULL, bundle_hash text NOT NULL",
    "agent_plans": "plan_id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), env text NOT NULL, "
                   "bundle_hash text NOT NULL, live_fingerprint text NOT NULL, plan jsonb NOT NULL, "
                   "approved_by text, approved_at timestamptz, applied_at timestamptz",
}


def ensure_tables(conn: psycopg.Connection, tables: dict[str, str] = TABLES) -> None:
    schemas.ensure_tables(conn, SCHEMA, tables)


def scrub(value: Any, key: str = "") -> Any:
    """`value` with secrets removed, for the audit row."""
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, key) for v in value]
    if key and SECRET_KEY.search(key) and value not in (None, ""):
        return MASK
    return redact(value) if isinstance(value, str) else value


def record_call(dsn: str, env: str, tool: str, arguments: dict[str, Any], caller: str, seconds: float,
                outcome: str, error: str | None) -> None:
    with database.connect(dsn, autocommit=True) as conn:
        ensure_tables(conn)
        conn.execute(sql.SQL("INSERT INTO {} (env, tool, arguments, caller, seconds, outcome, error) "
                             "VALUES (%s, %s, %s, %s, %s, %s, %s)").format(sql.Identifier(SCHEMA, "agent_calls")),
                     (env, tool, Jsonb(_json(scrub(arguments))), caller, seconds, outcome,
                      redact(error) if error else None))


def record_deployment(dsn: str, env: str, plan_id: str, changes: list[dict[str, Any]], caller: str,
                      bundle_hash: str) -> None:
    with database.connect(dsn, autocommit=True) as conn:
        ensure_tables(conn)
        conn.execute(sql.SQL("INSERT INTO {} (env, plan_id, changes, caller, bundle_hash) VALUES (%s, %s, %s, %s, %s)")
                     .format(sql.Identifier(SCHEMA, "deployments")),
                     (env, plan_id, Jsonb(_json(changes)), caller, bundle_hash))


def _json(value: Any) -> Any:
    """Dates and the like as the strings an agent sent (the SDK already parsed them)."""
    return json.loads(json.dumps(value, default=str))
