"""Live activity on a seeded database: every event kind happens, visibly, and every invariant survives."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable

import psycopg
import pytest

from dagster_project.odoo.checksums import table_checksums
from dagster_project.odoo.generator.events import EVENTS
from dagster_project.odoo.generator.outcomes import SimulationReport
from dagster_project.odoo.generator.seed import seed_database
from dagster_project.odoo.generator.simulate import simulate


@pytest.fixture(scope="module")
def simulated(make_database: Callable[[str], str], seed_today: dt.date) -> tuple[str, SimulationReport, dict]:
    dsn = make_database("odoo_test_simulate")
    seed_database(dsn, scale=1, seed=5, today=seed_today)
    with psycopg.connect(dsn) as conn:
        before = {
            "max_line_id": conn.execute("SELECT max(id) FROM account_move_line").fetchone()[0],  # type: ignore
            "drafts": {r[0] for r in conn.execute("SELECT id FROM account_move WHERE state = 'draft'")},
        }
    report = simulate(dsn, events_per_second=40, duration=4, seed=3, today=seed_today + dt.timedelta(days=1),
                      weights={"rebuild_tax_links": 0.3})
    return dsn, report, before


@pytest.fixture
def conn(simulated: tuple[str, SimulationReport, dict]):
    with psycopg.connect(simulated[0]) as connection:
        yield connection


def ids(report: SimulationReport, kind: str) -> list[int]:
    return sorted(set(report.touched[kind]))


def test_every_event_kind_happened(simulated: tuple[str, SimulationReport, dict]) -> None:
    report = simulated[1]
    assert set(report.counts) == set(EVENTS)
    assert all(report.counts[kind] > 0 for kind in EVENTS), report.counts
    assert all(len(report.touched[kind]) == report.counts[kind] for kind in EVENTS)


def test_invariants_still_hold(conn: psycopg.Connection, check_invariants: Callable[..., dict]) -> None:
    assert check_invariants(conn) == {}


def test_aging_buckets_still_covered(
    conn: psycopg.Connection, check_aging: Callable[..., set], seed_today: dt.date
) -> None:
    assert check_aging(conn, seed_today) == set()


def test_deleted_drafts_are_gone(simulated: tuple[str, SimulationReport, dict], conn: psycopg.Connection) -> None:
    deleted = ids(simulated[1], "delete_draft")
    assert conn.execute("SELECT count(*) FROM account_move WHERE id = ANY(%s)", (deleted,)).fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM account_move_line WHERE move_id = ANY(%s)", (deleted,)).fetchone() == (0,)


def test_cancelled_invoices_keep_their_name(
    simulated: tuple[str, SimulationReport, dict], conn: psycopg.Connection
) -> None:
    rows = conn.execute(
        "SELECT m.state, m.name, m.payment_state, bool_and(l.parent_state = 'cancel') FROM account_move m "
        "JOIN account_move_line l ON l.move_id = m.id WHERE m.id = ANY(%s) GROUP BY m.id",
        (ids(simulated[1], "cancel"),),
    ).fetchall()
    assert rows and all(r[0] == "cancel" and r[1] != "/" and r[2] == "not_paid" and r[3] for r in rows)


def test_posted_drafts_got_sequence_names(
    simulated: tuple[str, SimulationReport, dict], conn: psycopg.Connection
) -> None:
    posted = ids(simulated[1], "post")
    rows = conn.execute("SELECT name, state, posted_before FROM account_move WHERE id = ANY(%s)", (posted,)).fetchall()
    assert len(rows) == len(posted)
    assert all(
        re.fullmatch(r"R?C?(INV|BILL)/\d{4}/\d{5}", name) and state in ("posted", "cancel") and before
        for name, state, before in rows
    )


def test_created_drafts_have_lines_and_amounts(
    simulated: tuple[str, SimulationReport, dict], conn: psycopg.Connection
) -> None:
    created = set(ids(simulated[1], "create_draft")) - set(ids(simulated[1], "delete_draft"))
    rows = conn.execute(
        "SELECT m.amount_total, count(l.id) FROM account_move m JOIN account_move_line l ON l.move_id = m.id "
        "WHERE m.id = ANY(%s) GROUP BY m.id",
        (sorted(created),),
    ).fetchall()
    assert len(rows) == len(created) and all(total > 0 and lines >= 3 for total, lines in rows)


def test_edited_drafts_have_new_lines(simulated: tuple[str, SimulationReport, dict], conn: psycopg.Connection) -> None:
    report, before = simulated[1], simulated[2]
    edited = (set(ids(report, "edit_draft")) & before["drafts"]) - set(ids(report, "delete_draft"))
    assert edited
    oldest = conn.execute("SELECT min(id) FROM account_move_line WHERE move_id = ANY(%s)", (sorted(edited),)).fetchone()
    assert oldest is not None and oldest[0] > before["max_line_id"]


def test_payments_reconciled_the_invoices(
    simulated: tuple[str, SimulationReport, dict], conn: psycopg.Connection, seed_today: dt.date
) -> None:
    paid = ids(simulated[1], "payment")
    rows = conn.execute(
        "SELECT m.payment_state, count(p.id) FROM account_move m "
        "JOIN account_move__account_payment link ON link.invoice_id = m.id "
        "JOIN account_payment p ON p.id = link.payment_id AND p.date = %s "
        "WHERE m.id = ANY(%s) GROUP BY m.id",
        (seed_today + dt.timedelta(days=1), paid),
    ).fetchall()
    assert len(rows) == len(paid)
    assert all(state in ("partial", "paid", "in_payment") for state, _ in rows)


def test_rebuild_of_tax_links_truncates_and_restores_every_row(
    make_database: Callable[[str], str], seed_today: dt.date
) -> None:
    dsn = make_database("odoo_test_truncate")
    seed_database(dsn, scale=1, seed=6, today=seed_today)
    with psycopg.connect(dsn) as conn:
        before = table_checksums(conn, ["account_move_line_account_tax_rel"])
        rows = conn.execute("SELECT count(*) FROM account_move_line_account_tax_rel").fetchone()[0]  # type: ignore
    only_rebuild = {kind: 0.0 for kind in EVENTS} | {"rebuild_tax_links": 1.0}
    report = simulate(dsn, events_per_second=20, duration=1, seed=1, today=seed_today, weights=only_rebuild)
    assert report.counts["rebuild_tax_links"] >= 3
    assert set(report.touched["rebuild_tax_links"]) == {rows}
    with psycopg.connect(dsn) as conn:
        assert table_checksums(conn, ["account_move_line_account_tax_rel"]) == before


def test_unknown_or_all_zero_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown: \\['refund_everything'\\]"):
        simulate("postgresql://unused", events_per_second=1, duration=1, weights={"refund_everything": 1})
    with pytest.raises(ValueError, match="at least one positive weight"):
        simulate("postgresql://unused", events_per_second=1, duration=1, weights={kind: 0 for kind in EVENTS})


def test_a_killed_connection_is_reopened_and_activity_goes_on(
    make_database: Callable[[str], str], seed_today: dt.date, check_invariants: Callable[..., dict]
) -> None:
    """A real fault: the server terminates the simulation's backend mid-run, as a restart would."""
    dsn = make_database("odoo_test_reconnect")
    seed_database(dsn, scale=1, seed=7, today=seed_today)
    result: list[SimulationReport] = []
    runner = threading.Thread(
        target=lambda: result.append(simulate(dsn, events_per_second=30, duration=4, seed=2, today=seed_today)))
    # Only the simulation's own client backend: an autovacuum worker on the freshly seeded tables is in this
    # database too, and only a superuser may terminate it.
    simulation = ("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                  "AND backend_type = 'client backend' AND usename = current_user")
    newest = "SELECT max(id) FROM account_move"
    with psycopg.connect(dsn, autocommit=True) as admin:
        [(seeded,)] = admin.execute(newest).fetchall()
        runner.start()
        deadline = time.monotonic() + 30
        # Connected, and already writing: the fault lands mid-activity, not before it starts.
        while not (pids := [pid for (pid,) in admin.execute(simulation)]) or admin.execute(newest).fetchone()[0] \
                <= seeded:
            assert time.monotonic() < deadline, "the simulation never connected or never wrote"
            time.sleep(0.05)
        killed = sum(admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]  # type: ignore[index]
                     for pid in pids)
        [(at_kill,)] = admin.execute(newest).fetchall()
        runner.join()
        [(at_end,)] = admin.execute(newest).fetchall()
    assert killed == 1
    assert result and result[0].reconnects == 1
    assert at_end > at_kill  # it went on after the reconnect: moves were created on the new connection
    with psycopg.connect(dsn) as conn:
        assert check_invariants(conn) == {}
