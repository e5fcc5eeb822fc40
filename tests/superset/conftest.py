"""A real Superset 6.1 for this test session: the project's own runtime, on a free port, with its metadata
in the session stack's Postgres. The first use on a machine installs Superset's virtual environment
(about 800 MB, outside the checkout) before the session's first test."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql

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
    with psycopg.connect(stack.dsn("postgres", "postgres"), autocommit=True) as conn:
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
