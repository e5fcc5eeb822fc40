"""Faults of a real deployment, where Odoo's server and the warehouse's are two servers: the source alone
crashes, the warehouse restarts while Odoo keeps writing, deletes and truncates flow under load. Each ends
with ordered checksums of every table on both sides."""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from dagster_project.odoo.generator.seed import seed_database
from dagster_project.odoo.generator.simulate import simulate
from dagster_project.replication import subscription
from dagster_project.replication.config import Endpoints, load_config
from dagster_project.replication.setup import setup
from dagster_project.replication.status import read_slot, read_status
from dagster_project.stack import secrets
from dagster_project.stack.local import LocalStack
from dagster_project.stack.scratch import free_port, scratch_state_dir
from tests.replication.conftest import TODAY, Replicated, fresh_warehouse, under_load, wait_for

pytestmark = pytest.mark.stack
quiet: Callable[[str], None] = lambda _: None  # noqa: E731


def _restart(server: LocalStack, mode: str) -> None:
    server.postgres.stop(mode)
    server.postgres.start(progress=quiet)
    server.postgres.wait_ready(secrets.load_or_create(server.state_dir)["postgres"])


@pytest.fixture(scope="module")
def source_server() -> Iterator[LocalStack]:
    """Odoo's own server: a second embedded Postgres with its own state directory and port."""
    state = scratch_state_dir("pytest-odoo-")
    server = LocalStack(state, port=free_port())
    try:
        server.up(with_dagster=False, with_superset=False, progress=quiet)
        yield server
    finally:
        server.down(progress=quiet)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def replicated(stack: LocalStack, source_server: LocalStack) -> Iterator[Replicated]:
    with psycopg.connect(source_server.dsn("postgres", "postgres"), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS two_odoo WITH (FORCE)")
        admin.execute("CREATE DATABASE two_odoo OWNER odoo")
    source = source_server.dsn("odoo", "two_odoo")
    seed_database(source, scale=1, seed=7, today=TODAY)
    endpoints = Endpoints("local", source, source_server.dsn("odoo_replicator", "two_odoo"),
                          fresh_warehouse(stack, "two_warehouse"))
    config = dataclasses.replace(load_config(), subscription="two_test", initial_sync_timeout_seconds=240)
    report = setup(endpoints, config, progress=quiet)
    assert not report.same_cluster
    yield Replicated(source_server, endpoints, config, report)
    with psycopg.connect(endpoints.warehouse, autocommit=True) as wh:
        if subscription.find(wh, config.subscription):
            subscription.drop_detached(wh, config.subscription)


def _healthy(replicated: Replicated) -> bool:
    return read_status(replicated.endpoints, replicated.config).healthy


def test_an_immediate_stop_of_the_source_alone_loses_and_duplicates_nothing(replicated: Replicated) -> None:
    """A crash of Odoo's server: its slot's position is only as new as its last checkpoint, so changes the
    warehouse already applied are sent again; the subscriber's replication origin skips them."""
    with under_load(replicated, rate=40, seed=81, least=100) as reports:
        time.sleep(2)
        _restart(replicated.stack, "immediate")
        time.sleep(3)
    assert reports[0].reconnects >= 1
    wait_for(lambda: _healthy(replicated), timeout=60, what="replication to flow again")
    source, replica = replicated.checksums()
    assert source == replica


def test_the_slot_survives_a_warehouse_restart_while_odoo_keeps_writing(replicated: Replicated,
                                                                      stack: LocalStack) -> None:
    with under_load(replicated, rate=40, seed=82, least=100):
        stack.postgres.stop("immediate")
        time.sleep(4)  # Odoo writes on; its server keeps the WAL for the slot
        with psycopg.connect(replicated.endpoints.replication, autocommit=True) as repl:
            slot = read_slot(repl, replicated.config.slot)
        assert slot is not None and not slot.active and slot.lag_bytes > 0
        _restart(stack, "fast")
    wait_for(lambda: _healthy(replicated), timeout=60, what="replication to flow again")
    source, replica = replicated.checksums()
    assert source == replica


def test_deletes_and_truncates_under_load_arrive(replicated: Replicated) -> None:
    report = simulate(replicated.endpoints.source, events_per_second=50, duration=8, seed=83, today=TODAY,
                      weights={"delete_draft": 1.0, "rebuild_tax_links": 0.5, "create_draft": 1.0})
    assert report.counts["delete_draft"] >= 5 and report.counts["rebuild_tax_links"] >= 3
    source, replica = replicated.checksums()
    assert source == replica
    deleted = report.touched["delete_draft"]
    with replicated.warehouse() as wh:
        left = wh.execute(sql.SQL("SELECT count(*) FROM account_move WHERE id = ANY(%s)"), (deleted,)).fetchone()
    assert left == (0,)

