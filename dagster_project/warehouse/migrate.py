"""`hybrid warehouse migrate`: the statements that bring the live schemas to the declaration, shown first
(destructive ones at the top), then applied and recorded in `ops.schema_migrations`.

Each schema is changed by its owner (ops by role ops, ocr by role ocr: never the superuser), so one
migration holds one transaction per owner: every statement of every owner runs before any of them commits,
and any failure rolls all of them back. Only the last instant (the commits) is not one transaction.
The plan is computed again inside those transactions; if the live schema moved since it was shown, nothing
is applied."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from dagster_project.config import database
from dagster_project.config.checkout import read_checkout
from dagster_project.config.gate import check_gate
from dagster_project.config.matrix import Environment
from dagster_project.config.roles import schema_owner
from dagster_project.warehouse.catalog import read_tables
from dagster_project.warehouse.declared import declaration_files, fingerprint, read_declaration
from dagster_project.warehouse.diff import Change, compare
from dagster_project.warehouse.statements import PHASES, Statement, statements_for

RECORD = sql.Identifier("ops", "schema_migrations")
LOCK_TIMEOUT = "10s"  # a migration waits this long for a lock, never behind a long query for ever
Progress = Callable[[str], None]


class MigrationRefused(Exception):
    """The migration would need what was not given (--allow-destructive) or the live schema moved."""


@dataclass
class MigrationPlan:
    env: str
    schemas: tuple[str, ...]
    declaration_sha256: str
    statements: list[Statement] = field(default_factory=list)

    @property
    def destructive(self) -> list[Statement]:
        return [s for s in self.statements if s.destructive]

    def sql_text(self) -> list[str]:
        return [s.sql.as_string() for s in self.statements]

    def to_json(self) -> dict[str, Any]:
        return {"env": self.env, "schemas": list(self.schemas), "declaration_sha256": self.declaration_sha256,
                "statements": [{"sql": s.sql.as_string(), "destructive": s.destructive, "schema": s.schema,
                                "change": s.change.to_json()} for s in self.statements],
                "summary": self.summary()}

    def summary(self) -> dict[str, int]:
        return {"statements": len(self.statements), "destructive": len(self.destructive)}

    def text(self) -> str:
        lines = [f"! {s.sql.as_string()}   -- destructive: {s.change.name}" for s in self.destructive]
        lines += [f"  {s.sql.as_string()}" for s in self.statements if not s.destructive]
        tail = (f"Plan for {self.env}: {len(self.statements)} statement(s), {len(self.destructive)} destructive "
                f"({', '.join(self.schemas)} to declaration {self.declaration_sha256[:12]})")
        return "\n".join([*lines, tail]) if self.statements else f"{self.env}: {', '.join(self.schemas)} match the " \
                                                                 "declaration; nothing to migrate"


@dataclass(frozen=True)
class MigrationResult:
    plan: MigrationPlan
    applied: bool
    migration_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {**self.plan.to_json(), "applied": self.applied, "migration_id": self.migration_id}


def plan_migration(env: str, conn: psycopg.Connection) -> MigrationPlan:
    """What would bring the declared schemas of `conn`'s database to the DBML files, in the order it runs."""
    declared = read_declaration()
    schemas = tuple(sorted({t.schema for t in declared.values()}))
    drift = compare(declared, read_tables(conn, schemas), schemas, env)
    statements = [s for change in drift.changes for s in statements_for(change)]
    statements.sort(key=lambda s: PHASES.index(s.phase))
    return MigrationPlan(env, schemas, fingerprint(declaration_files()), statements)


def plan_only(env: Environment) -> MigrationPlan:
    """The plan as it stands now, read as the ops role; nothing is written."""
    with ops_connection(env) as conn:
        return plan_migration(env.name, conn)


def migrate(env: Environment, plan: MigrationPlan, *, allow_destructive: bool = False, approve: bool = False,
            progress: Progress = lambda _: None) -> MigrationResult:
    """Apply `plan` (the one shown to the user) when the gate lets it, and nothing has moved since."""
    if not plan.statements:
        return MigrationResult(plan, applied=False)
    check_gate(env.name, env.protected, approve, read_checkout(), env.deploy_branch,
               review=f"hybrid warehouse migrate --env {env.name} --dry-run")
    if plan.destructive and not allow_destructive:
        raise MigrationRefused(f"{len(plan.destructive)} destructive statement(s), shown with '!'; nothing was "
                               "applied; fix: re-run with --allow-destructive once they are what you want")
    return MigrationResult(plan, applied=True, migration_id=_apply(env, plan, progress))


def ops_connection(env: Environment) -> psycopg.Connection:
    """What reads the catalog for drift and plans: the ops role (the catalog is readable by every role)."""
    return database.connect(owner_dsn(env, "ops"), autocommit=True, source=env.origin("supabase", "ops_url"))


def owner_dsn(env: Environment, role: str) -> str:
    """The connection of a schema's owner: the matrix's `<role>_url` of the warehouse."""
    return env.value("supabase", f"{role}_url")


def _apply(env: Environment, plan: MigrationPlan, progress: Progress) -> int:
    owners = sorted({schema_owner(s.schema) for s in plan.statements} | {"ops"})
    with ExitStack() as stack:
        conns = {owner: stack.enter_context(database.connect(owner_dsn(env, owner),
                                                             source=env.origin("supabase", f"{owner}_url")))
                 for owner in owners}
        for conn in conns.values():
            conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
        again = plan_migration(env.name, conns["ops"])
        if again.sql_text() != plan.sql_text():
            raise MigrationRefused("the live schema changed while the plan was shown; nothing was applied; "
                                   "fix: run the migration again and review its new plan")
        for number, statement in enumerate(plan.statements, 1):
            progress(f"[{number}/{len(plan.statements)}] {statement.sql.as_string()}")
            conns[schema_owner(statement.schema)].execute(statement.sql)
        migration_id = _record(conns["ops"], plan)
        for owner in (o for o in owners if o != "ops"):
            conns[owner].commit()
        conns["ops"].commit()  # the record commits last: it never claims what did not commit
    return migration_id


def _record(conn: psycopg.Connection, plan: MigrationPlan) -> int:
    changes: list[Change] = list({id(s.change): s.change for s in plan.statements}.values())
    row = conn.execute(
        sql.SQL("INSERT INTO {} (env, declaration_sha256, statements, changes, destructive, caller, git_commit) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id").format(RECORD),
        (plan.env, plan.declaration_sha256, Jsonb(plan.sql_text()), Jsonb([c.to_json() for c in changes]),
         bool(plan.destructive), getpass.getuser(), read_checkout().commit)).fetchone()
    return int(row[0])
