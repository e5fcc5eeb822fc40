"""big_invoice_alerts on a real Odoo 19 database: each newly posted customer invoice at or above the threshold
alerts exactly once (across ticks, restarts and a cursor reset), history never alerts, and a refused post is
retried.

The warehouse keeps Odoo's tables in `public` column for column (config/replication.yaml). The test seeds them
with the project's Odoo generator straight into a database of its own, instead of replicating them (that is
tests/replication's subject), and posts invoices with the simulator's own `post_draft` event.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

import psycopg
import pytest
from dagster import DagsterInstance, SensorDefinition, build_sensor_context
from psycopg import sql

from dagster_project.config.matrix import load_matrix
from dagster_project.odoo.generator.events import create_draft, post_draft
from dagster_project.odoo.generator.seed import seed_database
from dagster_project.odoo.generator.session import open_session
from dagster_project.odoo.schema import create_tables
from dagster_project.ops.invoice_sensor import build_big_invoice_sensor
from dagster_project.replication.subscription import drop_detached, find, table_states
from dagster_project.resources.postgres import PostgresResource

LOCAL = load_matrix().resolve("local")
# `make up` seeds with today's date and office-hours stamps: some write dates lie ahead of the clock.
TODAY = dt.datetime.now(dt.UTC).date()
THRESHOLD = Decimal("10000")
DASHBOARD = "https://bi.example.test/superset/dashboard/ar-aging/"


@pytest.fixture(scope="module")
def odoo_replica(make_database) -> str:
    dsn = make_database("ops_invoice_alerts")
    seed_database(dsn, scale=1, seed=11, today=TODAY)
    return dsn


@pytest.fixture
def warehouse(odoo_replica: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The replica with an empty ledger, SUPERSET_URL of the environment set."""
    with psycopg.connect(odoo_replica, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS ops CASCADE")
    monkeypatch.setenv("SUPERSET_URL_LOCAL", "https://bi.example.test/")
    monkeypatch.delenv("BIG_INVOICE_THRESHOLD", raising=False)
    return odoo_replica


def tick(sensor: SensorDefinition, dsn: str, cursor: str | None) -> tuple[str, str | None]:
    """One evaluation as the daemon runs it: the skip reason and the cursor it leaves."""
    context = build_sensor_context(instance=DagsterInstance.ephemeral(), cursor=cursor,
                                   resources={"warehouse": PostgresResource(dsn=dsn)})
    result = sensor(context)
    return result.skip_message, context.cursor


def post_until(dsn: str, seed: int, *, big: int, small: int, threshold: Decimal = THRESHOLD) -> dict[str, list[int]]:
    """Post drafts (one transaction per event, as Odoo commits them) until `big` customer invoices at or above
    the threshold and `small` below it are posted; vendor bills and refunds posted on the way are `other`."""
    posted: dict[str, list[int]] = {"big": [], "small": [], "other": []}
    with psycopg.connect(dsn, autocommit=True) as conn:
        session = open_session(conn, random.Random(seed), TODAY)
        while len(posted["big"]) < big or len(posted["small"]) < small:
            with conn.transaction():
                move_id = post_draft(session) or create_draft(session)
            kind, state, amount = conn.execute("SELECT move_type, state, amount_total_signed FROM account_move "
                                               "WHERE id = %s", (move_id,)).fetchone()
            if state != "posted":
                continue
            group = "other" if kind != "out_invoice" else "big" if amount >= threshold else "small"
            posted[group].append(move_id)
            assert sum(map(len, posted.values())) < 2000, "the generator stopped producing customer invoices"
    return posted


def names(dsn: str, ids: list[int]) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM account_move WHERE id = ANY(%s)", (ids,))}


def alerted(texts: list[str]) -> list[str]:
    return [text.split("**")[3] for text in texts]  # "**Big invoice posted** (local): **INV/...** to ..."


def test_history_is_silent_and_each_new_big_invoice_alerts_once(warehouse, webhook) -> None:
    with psycopg.connect(warehouse) as conn:
        history = conn.execute("SELECT count(*), count(*) FILTER (WHERE amount_total_signed >= %s) FROM account_move "
                               "WHERE move_type = 'out_invoice' AND state = 'posted'", (THRESHOLD,)).fetchone()
        old_big = conn.execute("SELECT id FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted' "
                               "AND amount_total_signed >= %s ORDER BY id LIMIT 1", (THRESHOLD,)).fetchone()[0]
    assert history[1] > 0
    sensor = build_big_invoice_sensor(LOCAL)

    reason, cursor = tick(sensor, warehouse, None)
    assert reason == f"started from now: {history[0]} invoice(s) already posted recorded, none alerted"
    assert webhook.received == []

    with psycopg.connect(warehouse) as conn:  # a user edits an old posted invoice's notes: it is not new
        conn.execute("UPDATE account_move SET narration = 'called the customer', "
                     "write_date = (now() AT TIME ZONE 'UTC')::timestamp WHERE id = %s", (old_big,))
    posted = post_until(warehouse, seed=1, big=3, small=2)
    reason, cursor = tick(sensor, warehouse, cursor)

    assert sorted(alerted(webhook.texts())) == sorted(names(warehouse, posted["big"]))
    assert names(warehouse, [old_big]).isdisjoint(alerted(webhook.texts()))
    new, big = len(posted["big"]) + len(posted["small"]), len(posted["big"])
    assert reason.startswith(f"{new} newly posted customer invoice(s), {big} at or above 10000; alerted: ")

    with psycopg.connect(warehouse) as conn:
        name, customer, company, amount, currency = conn.execute("""
            SELECT m.name, p.name, c.name, m.amount_total_signed, cur.name FROM account_move m
            JOIN res_partner p ON p.id = m.commercial_partner_id JOIN res_company c ON c.id = m.company_id
            JOIN res_currency cur ON cur.id = c.currency_id WHERE m.id = %s""", (posted["big"][0],)).fetchone()
        ledger = dict(conn.execute("SELECT move_id, status FROM ops.invoice_alerts WHERE move_id = ANY(%s)",
                                   (sum(posted.values(), [old_big]),)).fetchall())
    text = next(t for t in webhook.texts() if f"**{name}**" in t)
    assert f"to **{customer}**, company {company}" in text
    assert f"Amount: **{currency} {amount:,.2f}" in text and f"at or above the threshold {currency} 10,000.00" in text
    assert text.endswith(f"AR aging: {DASHBOARD}")
    assert {ledger[i] for i in posted["big"]} == {"sent"} and {ledger[i] for i in posted["small"]} == {"below"}
    assert ledger[old_big] == "baseline" and not set(posted["other"]) & set(ledger)  # vendor bills are not seen

    tick(sensor, warehouse, cursor)  # the next tick
    tick(build_big_invoice_sensor(LOCAL), warehouse, cursor)  # a restarted daemon, its stored cursor
    reason, _ = tick(sensor, warehouse, None)  # a reset cursor starts from now again
    assert reason.startswith("started from now: 0 invoice(s)")
    assert len(webhook.received) == big


def test_work_per_tick_is_bounded_and_a_refused_post_is_retried(warehouse, webhook, monkeypatch) -> None:
    monkeypatch.setenv("BIG_INVOICE_THRESHOLD", "2,500")
    sensor = build_big_invoice_sensor(LOCAL, scan_batch=3, send_batch=2)
    _, cursor = tick(sensor, warehouse, None)
    posted = post_until(warehouse, seed=2, big=5, small=1, threshold=Decimal(2500))
    expected = names(warehouse, posted["big"])

    webhook.refuse = 1  # Mattermost answers 503 once
    with pytest.raises(Exception, match="503"):
        tick(sensor, warehouse, cursor)
    assert webhook.received == []
    per_tick = []
    for _ in range(10):
        _, cursor = tick(sensor, warehouse, cursor)
        per_tick.append(len(webhook.received) - sum(per_tick))
        if len(webhook.received) >= len(expected):
            break
    assert max(per_tick) <= 2 and sorted(alerted(webhook.texts())) == sorted(expected)
    assert "threshold" in webhook.texts()[0] and " 2,500.00" in webhook.texts()[0]
    tick(sensor, warehouse, cursor)
    assert len(webhook.received) == len(expected)  # nothing twice


def test_a_bad_threshold_names_the_variable(warehouse, monkeypatch) -> None:
    monkeypatch.setenv("BIG_INVOICE_THRESHOLD", "ten thousand")
    with pytest.raises(Exception, match=r"BIG_INVOICE_THRESHOLD='ten thousand' is not a positive amount"):
        tick(build_big_invoice_sensor(LOCAL), warehouse, None)


def test_history_waits_for_the_replica_to_exist_and_finish_its_initial_copy(stack, odoo_replica, make_database,
                                                                            webhook) -> None:
    """`make up` starts the daemon before replication: the first tick must not take a half-copied replica for
    the whole history (the rest would then look newly posted). A real subscription, created disabled so that
    its table stays in `init` until the test enables it."""
    sensor = build_big_invoice_sensor(LOCAL)
    subscriber = make_database("ops_invoice_subscriber")
    reason, cursor = tick(sensor, subscriber, None)
    assert "no replica of Odoo's invoices yet" in reason and "hybrid replication setup --env local" in reason
    with psycopg.connect(subscriber, autocommit=True) as conn:
        create_tables(conn, constraints=False)
    reason, cursor = tick(sensor, subscriber, cursor)
    assert (reason, cursor) == ("the replica of account_move is empty; history is recorded once its first rows "
                                "arrive", None)

    source_admin, subscriber_admin = stack.dsn("postgres", "ops_invoice_alerts"), stack.dsn("postgres",
                                                                                             "ops_invoice_subscriber")
    with psycopg.connect(source_admin, autocommit=True) as conn:
        conn.execute("CREATE PUBLICATION ops_test_pub FOR TABLE account_move")
        conn.execute("SELECT pg_create_logical_replication_slot('ops_test_slot', 'pgoutput')")
    try:
        with psycopg.connect(subscriber_admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SUBSCRIPTION ops_test_sub CONNECTION {} PUBLICATION ops_test_pub WITH "
                                 "(enabled = false, create_slot = false, slot_name = 'ops_test_slot')")
                         .format(sql.Literal(source_admin)))
            assert table_states(conn, "ops_test_sub") == {"public.account_move": "i"}
            reason, cursor = tick(sensor, subscriber, cursor)
            assert reason.startswith("the replica of account_move is still in its initial copy") and cursor is None

            conn.execute("ALTER SUBSCRIPTION ops_test_sub ENABLE")
            wait_until_ready(conn)
            posted = conn.execute("SELECT count(*) FROM account_move WHERE move_type = 'out_invoice' "
                                  "AND state = 'posted'").fetchone()[0]
            reason, cursor = tick(sensor, subscriber, cursor)
            assert reason == f"started from now: {posted} invoice(s) already posted recorded, none alerted"
    finally:
        with psycopg.connect(subscriber_admin, autocommit=True) as conn:
            if find(conn, "ops_test_sub"):
                drop_detached(conn, "ops_test_sub")
        with psycopg.connect(source_admin, autocommit=True) as conn:
            conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                         "WHERE slot_name = 'ops_test_slot'")
            conn.execute("DROP PUBLICATION IF EXISTS ops_test_pub")
    assert webhook.received == []


def wait_until_ready(conn: psycopg.Connection, patience: float = 300) -> None:
    """Poll until the initial copy is done (a wait for the server, not a timed assertion)."""
    deadline = time.monotonic() + patience
    while table_states(conn, "ops_test_sub") != {"public.account_move": "r"}:
        assert time.monotonic() < deadline, f"initial copy not done: {table_states(conn, 'ops_test_sub')}"
        time.sleep(0.5)
