"""One seeded Odoo source and one warehouse database per module, replicated by the real setup."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
import pytest
from click.testing import CliRunner, Result
from psycopg import sql

from dagster_project.cli.main import cli
from dagster_project.odoo.checksums import table_checksums
from dagster_project.odoo.generator.outcomes import SimulationReport
from dagster_project.odoo.generator.seed import seed_database
from dagster_project.odoo.generator.simulate import simulate
from dagster_project.replication import subscription
from dagster_project.replication.config import Endpoints, ReplicationConfig, config_path, load_config
from dagster_project.replication.setup import SetupReport, setup
from dagster_project.replication.status import wait_caught_up
from dagster_project.stack.local import LocalStack

TODAY = dt.date(2026, 3, 15)


@dataclass
class Replicated:
    stack: LocalStack
    endpoints: Endpoints
    config: ReplicationConfig
    first_setup: SetupReport

    def source(self) -> psycopg.Connection:
        return psycopg.connect(self.endpoints.source, autocommit=True)

    def warehouse(self) -> psycopg.Connection:
        return psycopg.connect(self.endpoints.warehouse, autocommit=True)

    def caught_up(self, timeout: float = 60) -> None:
        assert wait_caught_up(self.endpoints, self.config, timeout), "the subscriber did not catch up"

    def checksums(self) -> tuple[dict[str, str], dict[str, str]]:
        """Source and replica checksums of every configured table, once the subscriber caught up."""
        self.caught_up()
        names = [t.name for t in self.config.tables]
        with self.source() as src, self.warehouse() as wh:
            return table_checksums(src, names), table_checksums(wh, names)


@contextlib.contextmanager
def under_load(replicated: Replicated, *, rate: float = 30, seed: int = 31,
               least: int = 50) -> Iterator[list[SimulationReport]]:
    """Odoo keeps posting, paying and editing (the simulator) while the block runs, and some time after it
    (the load must span the whole heal); at least `least` events must have happened."""
    stop, reports = threading.Event(), []
    runner = threading.Thread(target=lambda: reports.append(
        simulate(replicated.endpoints.source, events_per_second=rate, duration=600, seed=seed, today=TODAY, stop=stop)))
    runner.start()
    threading.Event().wait(1.5)
    try:
        yield reports
        threading.Event().wait(1.5)
    finally:
        stop.set()
        runner.join()
    assert sum(reports[0].counts.values()) >= least, "the load did not run through the heal"


def run_cli(replicated: Replicated, monkeypatch: pytest.MonkeyPatch, tmp_path, *args: str) -> Result:
    """Run `hybrid` against this module's databases through the local environment's variables."""
    config_file = tmp_path / "replication.yaml"
    config_file.write_text(config_path().read_text().replace("subscription: odoo_warehouse",
                                                             f"subscription: {replicated.config.subscription}"))
    monkeypatch.setenv("HYBRID_REPLICATION_CONFIG", str(config_file))
    monkeypatch.setenv("ODOO_DB_URL_LOCAL", replicated.endpoints.source)
    monkeypatch.setenv("ODOO_REPLICATION_URL_LOCAL", replicated.endpoints.replication)
    monkeypatch.setenv("SUPABASE_DB_URL_LOCAL", replicated.endpoints.warehouse)
    return CliRunner().invoke(cli, list(args))


def wait_for(predicate: Callable[[], bool], timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def fresh_warehouse(stack: LocalStack, name: str) -> str:
    """A fresh warehouse database where, as in Supabase, the API roles get every new table by default."""
    admin = stack.dsn("postgres", "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        for role in ("anon", "authenticated"):
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    dsn = stack.dsn("postgres", name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated")
    return dsn


@pytest.fixture(scope="module")
def replicated(stack: LocalStack, make_database: Callable[[str], str]) -> Iterator[Replicated]:
    source = make_database("repl_odoo")
    seed_database(source, scale=1, seed=7, today=TODAY)
    endpoints = Endpoints("local", source, stack.dsn("odoo_replicator", "repl_odoo"),
                          fresh_warehouse(stack, "repl_warehouse"))
    config = dataclasses.replace(load_config(), subscription="repl_test", initial_sync_timeout_seconds=240)
    report = setup(endpoints, config, progress=lambda _: None)
    yield Replicated(stack, endpoints, config, report)
    with psycopg.connect(endpoints.warehouse, autocommit=True) as wh:
        if subscription.find(wh, config.subscription):
            subscription.drop_detached(wh, config.subscription)
    with psycopg.connect(endpoints.replication, autocommit=True) as repl:
        repl.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
                     (config.slot,))
