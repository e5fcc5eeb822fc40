"""Rows an agent may add to the warehouse: an allow-list of `ops` tables made for it (notes on a figure, data
issues it found), written by the ops role with parameters only, each row checked against the table's columns
before anything is sent. The server sets who and where (`env`, `caller`) and the keys; an agent cannot."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import psycopg
from psycopg import sql
from pydantic import Field

from dagster_project.config import database
from dagster_project.mcp.audit import SCHEMA, ensure_tables
from dagster_project.mcp.context import Context, EnvArg, ToolSpec

MAX_ROWS = 100
SERVER_SET = frozenset({"id", "created_at", "env", "caller"})
INSERTABLE = {
    "annotations": "id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), env text NOT NULL, "
                   "caller text NOT NULL, subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200), "
                   "period text, figure numeric, note text NOT NULL CHECK (length(note) BETWEEN 1 AND 4000)",
    "data_issues": "id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), env text NOT NULL, "
                   "caller text NOT NULL, subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200), "
                   "severity text NOT NULL CHECK (severity IN ('info', 'warning', 'error')), "
                   "description text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000)",
}
Table = Literal["annotations", "data_issues"]
Scalar = str | int | float | bool | None


def _columns(conn: psycopg.Connection, table: str) -> dict[str, bool]:
    """Each column and whether a row must give it (NOT NULL without a default)."""
    found = conn.execute("SELECT column_name, is_nullable = 'NO' AND column_default IS NULL FROM "
                         "information_schema.columns WHERE table_schema = %s AND table_name = %s",
                         (SCHEMA, table)).fetchall()
    return {name: required for name, required in found}


def check_row(index: int, row: dict[str, Any], columns: dict[str, bool], table: str) -> None:
    writable = sorted(set(columns) - SERVER_SET)
    where = f"row {index} for ops.{table}"
    if unknown := sorted(set(row) - set(writable)):
        owned = [name for name in unknown if name in SERVER_SET]
        raise ValueError(f"{where}: {', '.join(unknown)} "
                         + ("is set by the server" if owned == unknown else "is not a column you can write")
                         + f"; fix: use only {', '.join(writable)}")
    if missing := sorted(name for name in writable if columns[name] and row.get(name) is None):
        raise ValueError(f"{where}: {', '.join(missing)} is required; fix: give a value")
    if nested := sorted(name for name, value in row.items() if not isinstance(value, Scalar)):
        raise ValueError(f"{where}: {', '.join(nested)} must be a text, a number or a boolean")


def insert_rows(dsn: str, env: str, caller: str, table: str, rows: list[dict[str, Any]]) -> list[int]:
    """All rows in one transaction, or none."""
    if table not in INSERTABLE:
        raise ValueError(f"ops.{table} does not take rows from agents; fix: use one of "
                         f"{', '.join('ops.' + t for t in INSERTABLE)}")
    with database.connect(dsn) as conn:
        ensure_tables(conn, {table: INSERTABLE[table]})
        conn.commit()  # the table stays even when the rows are refused
        columns = _columns(conn, table)
        for index, row in enumerate(rows):
            check_row(index, row, columns, table)
        ids = []
        for index, row in enumerate(rows):
            names = ["env", "caller", *row]
            statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
                sql.Identifier(SCHEMA, table), sql.SQL(", ").join(map(sql.Identifier, names)),
                sql.SQL(", ").join(sql.Placeholder() * len(names)))
            try:
                ids.append(conn.execute(statement, [env, caller, *row.values()]).fetchone()[0])
            except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as exc:
                conn.rollback()
                raise ValueError(f"row {index} for ops.{table}: {exc.diag.message_primary}; nothing was "
                                 "inserted") from exc
        conn.commit()
    return ids


def tools(ctx: Context) -> list[ToolSpec]:
    def supabase_insert(
            table: Annotated[Table, Field(description="ops.annotations (subject, note, optional period and figure: "
                                                      "a note on a dashboard or a number) or ops.data_issues "
                                                      "(subject, severity info|warning|error, description).")],
            rows: Annotated[list[dict[str, Scalar]], Field(min_length=1, max_length=MAX_ROWS,
                                                           description="Rows as {column: value}; all are inserted "
                                                                       "or none.")],
            env: EnvArg = None) -> dict[str, Any]:
        """Add rows to an ops table made for agents. Parameterized, checked against the table's columns; the
        server records the environment and the caller with each row."""
        environment = ctx.environment(env)
        ids = insert_rows(environment.value("supabase", "ops_url"), environment.name, ctx.caller, table, rows)
        return {"env": environment.name, "table": f"ops.{table}", "inserted": len(ids), "ids": ids}

    return [ToolSpec("supabase_insert", supabase_insert, writes=True)]
