"""A real Superset 6.1 for this test session: the project's own runtime, on a free port, with its metadata
in the session stack's Postgres. The first use on a machine installs Superset's virtual environment
(about 800 MB, outside the checkout) before the session's first test."""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql

from dagster_project.config.roles import READER_ROLE
from dagster_project.stack.local import WAREHOUSE_DATABASE, LocalStack
from dagster_project.stack.scratch import free_port
from dagster_project.superset.client import SupersetClient

MART = "superset_test_monthly_sales"
MART_ROWS = [("2024-01", 120.50), ("2024-02", 99.25), ("2024-03", 301.00)]


@dataclass(frozen=True)
class RunningSuperset:
    stack: LocalStack
    first_start_seconds: float

    @property
    def url(self) -> str:
        return self.stack.superset.url

    def client(self, **kwargs: object) -> SupersetClient:
        user, password = self.stack.superset_admin()
        return SupersetClient(self.url, user, password, **kwargs)

    def warehouse_id(self) -> int:
        with self.client() as client:
            return client.list("database", filters=[("database_name", "eq", WAREHOUSE_DATABASE)])[0]["id"]


@pytest.fixture(scope="session")
def superset(stack: LocalStack) -> Iterator[RunningSuperset]:
    local = LocalStack(stack.state_dir, port=stack.postgres.port, superset_port=free_port())
    started = time.monotonic()
    local.up_superset(progress=lambda message: print(message, file=sys.stderr))
    try:
        yield RunningSuperset(local, time.monotonic() - started)
    finally:
        local.superset.down()


@pytest.fixture(scope="session")
def mart(stack: LocalStack) -> str:
    """A mart-like table in schema `warehouse`, created by the warehouse owner as dbt would."""
    table = sql.Identifier("warehouse", MART)
    with psycopg.connect(stack.dsn("dbt", "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
        conn.execute(sql.SQL("CREATE TABLE {} (month text PRIMARY KEY, amount numeric(12, 2) NOT NULL)").format(table))
        with conn.cursor() as cur:
            cur.executemany(sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(table), MART_ROWS)
    return MART


@pytest.fixture()
def client(superset: RunningSuperset) -> Iterator[SupersetClient]:
    with superset.client(backoff=0.05) as client:
        yield client


@pytest.fixture()
def unique() -> Callable[[str], str]:
    """Names that no other test (or an earlier run) uses."""
    return lambda prefix: f"{prefix}_{time.monotonic_ns()}"


# -- dashboards as code: the finance marts, built by the real dbt project, in a database of their own --------
MARTS_DATABASE = "superset_marts"


@pytest.fixture(scope="session")
def marts_dsn(stack: LocalStack, make_database: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory) -> str:
    """Odoo tables seeded straight into a warehouse database's public schema, then `dbt run` (as tests/dbt
    does), and the read-only role granted on the marts. Returns the warehouse owner's DSN."""
    from tests.dbt.helpers import seeded_warehouse
    from tests.dbt.ocr_invoices import plant_ocr_invoices

    warehouse = seeded_warehouse(make_database, MARTS_DATABASE, tmp_path_factory.mktemp("superset-dbt"),
                                 dt.date.today())
    plant_ocr_invoices(warehouse.dsn)  # the OCR dashboard's charts need rows too
    result = warehouse.dbt("run")
    assert result.returncode == 0, result.output[-3000:]
    admin = stack.dsn("postgres", MARTS_DATABASE)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA warehouse TO {}").format(sql.Identifier(READER_ROLE)))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA warehouse TO {}").format(
            sql.Identifier(READER_ROLE)))
    return warehouse.dsn


def marts_reader_uri(stack: LocalStack) -> str:
    """The read-only URI of the marts database (the stack's reader URI, another database)."""
    return stack.warehouse_reader_uri().rsplit("/", 1)[0] + "/" + MARTS_DATABASE
