"""What the control plane applied, per environment, in the warehouse's `ops` schema.

`ops.superset_applies` keeps one row per apply: the bundle hash and, per object UUID, its kind, logical
name, title, `changed_on` right after the apply and its normalized live form. Plan and drift compare the
cheap `uuid, changed_on` listing with this record, so only objects changed since are exported. Its
`security` column keeps the roles and RLS filters as applied (`{"roles"|"rls": {logical: {name, id, live}}}`).
Each row also says which code it came from (`git_commit`, `git_branch`, `git_clean`): drift names the
commit its baseline was applied from, and plan warns when that is not the commit being planned.
`ops.drift_log` keeps every drift check's result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from dagster_project.config import database
from dagster_project.config.checkout import Checkout
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
    source: Checkout | None = None  # the code it was applied from (None: never applied, or before this was kept)
    applied_at: str | None = None

    def baseline(self) -> dict[str, Any] | None:
        """The apply plan and drift compare with, as the JSON reports show it."""
        if self.bundle_hash is None:
            return None
        source = self.source.to_json() if self.source else {"commit": None, "branch": None, "clean": None}
        return {"applied_at": self.applied_at, "bundle_hash": self.bundle_hash, **source}


def ensure_tables(conn: psycopg.Connection) -> None:
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
    has_source = conn.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND "
                              "table_name = %s AND column_name = 'git_commit'", (SCHEMA, APPLIES)).fetchone()
    if not has_source:  # a record table from before applies kept their commit
        conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS git_commit text, "
                             "ADD COLUMN IF NOT EXISTS git_branch text, ADD COLUMN IF NOT EXISTS git_clean boolean")
                     .format(sql.Identifier(SCHEMA, APPLIES)))
    conn.execute(sql.SQL(
        "CREATE TABLE IF NOT EXISTS {} (id bigserial PRIMARY KEY, env text NOT NULL, "
        "checked_at timestamptz NOT NULL DEFAULT now(), status text NOT NULL, changes jsonb NOT NULL)"
    ).format(sql.Identifier(SCHEMA, DRIFT_LOG)))


def last_apply(dsn: str, env: str) -> Record:
    with database.connect(dsn, autocommit=True) as conn:
        ensure_tables(conn)
        query = sql.SQL("SELECT bundle_hash, objects, security, git_commit, git_branch, git_clean, applied_at "
                        "FROM {} WHERE env = %s ORDER BY id DESC LIMIT 1")
        row = conn.execute(query.format(sql.Identifier(SCHEMA, APPLIES)), (env,)).fetchone()
    if not row:
        return Record(env)
    source = Checkout(row[3], row[4], bool(row[5])) if row[3] else None
    return Record(env, row[0], row[1], row[2], source, row[6].isoformat())


def record_apply(dsn: str, env: str, bundle_hash: str, objects: dict[str, dict[str, Any]],
                 security: dict[str, dict[str, Any]] | None = None, source: Checkout | None = None) -> None:
    with database.connect(dsn, autocommit=True) as conn:
        ensure_tables(conn)
        conn.execute(sql.SQL("INSERT INTO {} (env, bundle_hash, objects, security, git_commit, git_branch, git_clean) "
                             "VALUES (%s, %s, %s, %s, %s, %s, %s)").format(sql.Identifier(SCHEMA, APPLIES)),
                     (env, bundle_hash, Jsonb(objects), Jsonb(security or {}), source and source.commit,
                      source and source.branch, source.clean if source and source.commit else None))


def log_drift(dsn: str, env: str, status: str, changes: list[dict[str, Any]]) -> None:
    with database.connect(dsn, autocommit=True) as conn:
        ensure_tables(conn)
        conn.execute(sql.SQL("INSERT INTO {} (env, status, changes) VALUES (%s, %s, %s)")
                     .format(sql.Identifier(SCHEMA, DRIFT_LOG)), (env, status, Jsonb(changes)))
