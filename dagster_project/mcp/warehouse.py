"""The warehouse as a tool: one SELECT over the staging, marts, ocr and ops schemas.

Three guards, each enough alone: the query is parsed (sqlglot) and refused unless it is exactly one SELECT
reading only those schemas, with no SELECT INTO, no row locks and no administrative function; it runs as
the `agent` role, which may only read those schemas and whose transactions are read-only by default; and
the transaction is READ ONLY with a statement timeout, its rows capped.
"""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
import sqlglot
from pydantic import Field
from sqlglot import exp

from dagster_project.mcp.context import Context, EnvArg, ToolSpec
from dagster_project.mcp.reads import plain, read_only

SCHEMAS = ("analytics", "warehouse", "ocr", "ops")
TIMEOUT_S = 10.0
MAX_ROWS = 1000
REFUSED_FUNCTIONS = ("pg_read", "pg_ls", "pg_stat_file", "lo_", "dblink", "set_config", "pg_terminate", "pg_cancel",
                     "pg_advisory", "pg_reload", "pg_notify", "pg_sleep_until", "txid_", "pg_create", "pg_drop")


class QueryRefused(ValueError):
    """The text is not one read-only SELECT over the allowed schemas."""


def check_select(text: str) -> None:
    try:
        statements = [s for s in sqlglot.parse(text, read="postgres") if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise QueryRefused(f"the query does not parse as Postgres SQL: {str(exc).splitlines()[0]}") from exc
    if len(statements) != 1:
        raise QueryRefused(f"one statement per call, got {len(statements)}; fix: send a single SELECT")
    [query] = statements
    if not isinstance(query, exp.Query):
        raise QueryRefused(f"only a SELECT is run, not {query.key.upper()}: writes and DDL are refused; fix: ask "
                           "for rows (a write goes through the tool made for it)")
    extra = next((n for n in query.walk() if isinstance(n, (exp.Into, exp.Lock, exp.Command, exp.DML))), None)
    if extra is not None:
        what = {"into": "SELECT INTO (it creates a table)", "lock": "FOR UPDATE/SHARE (row locks)"}.get(
            extra.key, f"{extra.key.upper()} inside the query")
        raise QueryRefused(f"{what} is refused: only a plain SELECT is run; fix: remove it")
    ctes = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    for table in query.find_all(exp.Table):
        if table.name in ctes and not table.db:
            continue
        if table.db not in SCHEMAS:
            where = f"{table.db}.{table.name}" if table.db else table.name
            raise QueryRefused(f"{where}: only the schemas {', '.join(SCHEMAS)} can be read; fix: qualify the table "
                               "with one of them (e.g. warehouse.ar_aging)")
    for function in query.find_all(exp.Func):
        name = (function.name if isinstance(function, exp.Anonymous) else function.sql_name()).lower()
        if name.startswith(REFUSED_FUNCTIONS):
            raise QueryRefused(f"function {name}() is refused: it reads files or changes server state")


def run_select(dsn: str, text: str, row_limit: int) -> dict[str, Any]:
    check_select(text)
    with read_only(dsn, TIMEOUT_S) as conn:
        try:
            cursor = conn.execute(text.encode())  # checked above; the role and the transaction allow reads only
        except psycopg.errors.QueryCanceled as exc:
            raise QueryRefused(f"the query ran longer than {TIMEOUT_S:.0f} s and was stopped; fix: filter "
                               "or aggregate more, or add a LIMIT") from exc
        columns = [c.name for c in cursor.description or []]
        found = cursor.fetchmany(row_limit + 1)
    return {"columns": columns, "rows": [[plain(v) for v in row] for row in found[:row_limit]],
            "row_count": min(len(found), row_limit), "truncated": len(found) > row_limit}


def tools(ctx: Context) -> list[ToolSpec]:
    def supabase_query(
            query: Annotated[str, Field(description="One SQL SELECT (WITH allowed) over the schemas analytics, "
                                                    "warehouse, ocr and ops, tables qualified, e.g. "
                                                    "SELECT * FROM warehouse.ar_aging LIMIT 10.")],
            row_limit: Annotated[int, Field(ge=1, le=MAX_ROWS, description="At most this many rows.")] = 100,
            env: EnvArg = None) -> dict[str, Any]:
        """Run one read-only SELECT on the warehouse (a read-only role, a read-only transaction, 10 s at most)."""
        environment = ctx.environment(env)
        return {"env": environment.name, **run_select(environment.value("supabase", "agent_url"), query, row_limit)}

    return [ToolSpec("supabase_query", supabase_query)]
