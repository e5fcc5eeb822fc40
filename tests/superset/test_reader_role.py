"""The read-only warehouse role Superset connects as: it reads the marts and can write nothing."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from tests.superset.conftest import MART_ROWS


def reader(stack) -> psycopg.Connection:
    return psycopg.connect(stack.dsn("superset_reader", "postgres"), autocommit=True)


def test_reader_reads_a_mart_created_after_provisioning(stack, mart) -> None:
    with reader(stack) as conn:
        rows = conn.execute(sql.SQL("SELECT month, amount FROM {} ORDER BY month").format(
            sql.Identifier("warehouse", mart))).fetchall()
    assert [(month, float(amount)) for month, amount in rows] == MART_ROWS


@pytest.mark.parametrize("statement", [
    "INSERT INTO warehouse.{mart} VALUES ('2099-01', 1)",
    "UPDATE warehouse.{mart} SET amount = 0",
    "DELETE FROM warehouse.{mart}",
    "TRUNCATE warehouse.{mart}",
    "CREATE TABLE warehouse.reader_was_here (x int)",
    "CREATE TABLE analytics.reader_was_here (x int)",
    "CREATE TABLE public.reader_was_here (x int)",
    "SELECT * FROM ops.reader_probe",
])
def test_reader_cannot_write_even_outside_a_read_only_transaction(stack, mart, statement) -> None:
    """Privileges, not only the role's read-only default, refuse the write: the default is switched off."""
    with reader(stack) as conn:
        conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql.SQL(statement).format(mart=sql.Identifier(mart)))


def test_reader_transactions_are_read_only_by_default(stack, mart) -> None:
    with reader(stack) as conn, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute(sql.SQL("INSERT INTO {} VALUES ('2099-02', 2)").format(sql.Identifier("warehouse", mart)))
