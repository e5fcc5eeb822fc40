"""The MCP server's guards that need no database: what an audit row keeps of the arguments (secrets
never), and which SQL supabase_query lets through to the database at all."""

from __future__ import annotations

import pytest

from dagster_project.mcp.audit import scrub
from dagster_project.mcp.warehouse import QueryRefused, check_select


def test_secrets_are_removed_from_the_arguments() -> None:
    arguments = {"env": "local", "password": "hunter2", "api_token": "abc", "query": "SELECT 1",
                 "source": "postgresql://odoo:s3cret@db:5432/odoo", "nested": {"dsn": "x", "rows": [{"key": "k"}]}}
    assert scrub(arguments) == {"env": "local", "password": "***", "api_token": "***", "query": "SELECT 1",
                                "source": "postgresql://odoo:***@db:5432/odoo",
                                "nested": {"dsn": "***", "rows": [{"key": "***"}]}}


@pytest.mark.parametrize("query", [
    "SELECT * FROM warehouse.ar_aging LIMIT 3",
    "WITH a AS (SELECT company_id FROM warehouse.dim_company) SELECT count(*) FROM a",
    "SELECT 1 UNION SELECT 2",
    "SELECT tool, count(*) FROM ops.agent_calls GROUP BY tool",
])
def test_a_select_over_the_allowed_schemas_passes(query: str) -> None:
    check_select(query)


@pytest.mark.parametrize(("query", "reason"), [
    ("INSERT INTO ops.agent_calls (tool) VALUES ('x')", "not INSERT"),
    ("DROP TABLE warehouse.ar_aging", "not DROP"),
    ("SELECT 1; SELECT 2", "one statement per call, got 2"),
    ("SELECT 1; DROP TABLE warehouse.ar_aging", "one statement per call"),
    ("SELECT * FROM public.account_move", "public.account_move: only the schemas"),
    ("SELECT * FROM account_move", "account_move: only the schemas"),
    ("SELECT * FROM pg_catalog.pg_authid", "pg_catalog.pg_authid: only the schemas"),
    ("SELECT * INTO ops.copy FROM ops.agent_calls", "SELECT INTO (it creates a table)"),
    ("SELECT * FROM ops.agent_calls FOR UPDATE", "FOR UPDATE/SHARE"),
    ("WITH gone AS (DELETE FROM ops.agent_calls RETURNING *) SELECT * FROM gone", "DELETE inside the query"),
    ("SELECT pg_read_file('/etc/passwd')", "pg_read_file() is refused"),
    ("SELECT set_config('default_transaction_read_only', 'off', false)", "set_config() is refused"),
    ("EXPLAIN ANALYZE SELECT 1", "not COMMAND"),
    ("", "got 0"),
])
def test_everything_else_is_refused_naming_why(query: str, reason: str) -> None:
    with pytest.raises(QueryRefused) as refused:
        check_select(query)
    assert reason in str(refused.value)
