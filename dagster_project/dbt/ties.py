"""The tie-out tests of the profit-and-loss marts, seen from Dagster: a failed check carries the rows that
failed (company, month, difference and the moves behind it), read from the table dbt keeps them in
(`store_failures`), so the asset check itself names what to fix."""

from __future__ import annotations

from typing import Any

import psycopg
from dagster import AssetCheckResult, MetadataValue
from psycopg import sql

from dagster_project.config import database
from dagster_project.config.database import PROBE_TIMEOUT_S

# dbt/tests/assert_*_tie*.sql; their failing rows are stored in analytics.<test name>
TIE_TESTS = ("assert_income_statement_ties_to_trial_balance", "assert_revenue_ties_to_the_ledger",
             "assert_expenses_tie_to_the_ledger")
FAILURES_SCHEMA = "analytics"
SHOWN_ROWS = 20


def failing_rows(dsn: str, test: str, limit: int = SHOWN_ROWS) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and the first `limit` failing rows of one tie-out test, largest difference first."""
    query = sql.SQL("SELECT * FROM {} ORDER BY abs(difference) DESC, 1, 2 LIMIT {}").format(
        sql.Identifier(FAILURES_SCHEMA, test), sql.Literal(limit))
    with database.connect(dsn, source="the dbt role's connection string", statement_timeout_s=PROBE_TIMEOUT_S) as conn:
        cursor = conn.execute(query)
        return [c.name for c in cursor.description or ()], cursor.fetchall()


def markdown_table(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    def cell(value: Any) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def with_failing_rows(event: Any, dsn: str) -> Any:
    """A failed tie-out check gains a `differences` table; every other event passes through unchanged."""
    if not (isinstance(event, AssetCheckResult) and not event.passed and event.check_name in TIE_TESTS):
        return event
    try:
        columns, rows = failing_rows(dsn, event.check_name)
        details = MetadataValue.md(markdown_table(columns, rows))
    except psycopg.Error as exc:  # the check stays failed; only its details are missing
        details = MetadataValue.text(f"could not read {FAILURES_SCHEMA}.{event.check_name}: {exc}")
    return AssetCheckResult(asset_key=event.asset_key, check_name=event.check_name, passed=False,
                            severity=event.severity, description=event.description,
                            metadata={**event.metadata, "differences": details})
