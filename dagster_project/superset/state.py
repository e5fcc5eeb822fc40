"""What the control plane applied, per environment, in the warehouse's `ops` schema.

`ops.superset_applies` keeps one row per apply: the bundle hash and, per object UUID, its kind, logical
name, title, `changed_on` right after the apply and its normalized live form. Plan and drift compare the
cheap `uuid, changed_on` listing with this record, so only objects changed since are exported. Its
`security` column keeps the roles and RLS filters as applied (`{"roles"|"rls": {logical: {name, id, live}}}`).
`ops.drift_log` keeps every drift check's result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from dagster_project.config import database
from dagster_project.config.schemas import ensure_schema

SCHEMA = "ops"
APPLIES = "superset_applies"
DRIFT_LOG = "drift_log"


@dataclass(frozen=True)
class Record:
    """The last apply of an environment; `objects` maps uuid -> {kind, name, title, changed_on, live}."""

    env: str
    bundle_hash: str | None = None
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    security: dict[str, dict[str, Any]] = field(default_factory=dict)


def _ensure(conn: psycopg.Connection) -> None:
    ensure_schema(conn, SCHEMA)
    conn.execute(sql.SQL(
        "CREATE TABLE IF NOT EXISTS {} (id bigserial PRIMARY KEY, env text NOT NULL, "
        "applied_at timestamptz NOT NULL DEFAULT now(), bundle_hash text NOT NULL, objects jsonb NOT NULL)"
    ).format(sql.Identifier(SCHEMA, APPLIES)))
    has_security = conn.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND "
                                "table_name = %s AND column_name = 'security'", (SCHEMA, APPLIES)).fetchone()
    if not has_security:  # a record table from before row-level security
        conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS security jsonb NOT NULL DEFAULT '{{}}'::jsonb")
                     .format(sql.Identifier(SCHEMA, APPLIES)))
    conn.execute(sql.SQL(
        "CREATE TABLE IF NOT EXISTS {} (id bigserial PRIMARY KEY, env text NOT NULL, "
        "checked_at timestamptz NOT NULL DEFAULT now(), status text NOT NULL, changes jsonb NOT NULL)"
    ).format(sql.Identifier(SCHEMA, DRIFT_LOG)))


def last_apply(dsn: str, env: str) -> Record:
    with database.connect(dsn, autocommit=True) as conn:
        _ensure(conn)
        query = sql.SQL("SELECT bundle_hash, objects, security FROM {} WHERE env = %s ORDER BY id DESC LIMIT 1")
        row = conn.execute(query.format(sql.Identifier(SCHEMA, APPLIES)), (env,)).fetchone()
    return Record(env, row[0], row[1], row[2]) if row else Record(env)


def record_apply(dsn: str, env: str, bundle_hash: str, objects: dict[str, dict[str, Any]],
                 security: dict[str, dict[str, Any]] | None = None) -> None:
    with database.connect(dsn, autocommit=True) as conn:
        _ensure(conn)
        conn.execute(sql.SQL("INSERT INTO {} (env, bundle_hash, objects, security) VALUES (%s, %s, %s, %s)")
                     .format(sql.Identifier(SCHEMA, APPLIES)),
                     (env, bundle_hash, Jsonb(objects), Jsonb(security or {})))


def log_drift(dsn: str, env: str, status: str, changes: list[dict[str, Any]]) -> None:
    with database.connect(dsn, autocommit=True) as conn:
        _ensure(conn)
        conn.execute(sql.SQL("INSERT INTO {} (env, status, changes) VALUES (%s, %s, %s)")
                     .format(sql.Identifier(SCHEMA, DRIFT_LOG)), (env, status, Jsonb(changes)))
