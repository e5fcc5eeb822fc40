"""One connection's working state for live activity: database-backed ids, sequence numbers and currency rates,
the catalog, a seeder that builds documents for today, and moves written and read back by column."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from dagster_project.odoo.generator.accounting import move_amounts
from dagster_project.odoo.generator.catalog import Catalog, Partner
from dagster_project.odoo.generator.copytext import RATE_SCALE, money
from dagster_project.odoo.generator.documents import Move
from dagster_project.odoo.generator.readback import load_catalog
from dagster_project.odoo.generator.rows import (
    LINE_COLUMNS,
    MOVE_AMOUNT_COLUMNS,
    MOVE_COLUMNS,
    line_row,
    move_row,
)
from dagster_project.odoo.generator.specs import ADMIN_UID
from dagster_project.odoo.generator.stories import Seeder

# ---------------------------------------------------------------------------------------------------
# Database-backed ids, sequence numbers and rates.
# ---------------------------------------------------------------------------------------------------


class DbIds:
    """Ids from the tables' serial sequences, so rows can reference each other before insertion."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def __call__(self, table: str) -> int:
        row = self.conn.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", (table,)).fetchone()
        assert row is not None
        return int(row[0])


class DbSequencer:
    """The next number after the journal's last one for the prefix; the journal row lock serializes
    concurrent postings the way Odoo's sequence mixin does. Numbers handed out earlier in the same
    transaction count too (a payment that settles several lines posts several exchange entries before any
    is inserted); a rolled-back transaction's numbers are forgotten, so the sequence stays gap-free."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self._transaction: str | None = None
        self._given: dict[tuple[int, str], int] = {}

    def __call__(self, journal_id: int, prefix: str) -> int:
        self.conn.execute("SELECT id FROM account_journal WHERE id = %s FOR UPDATE", (journal_id,))
        row = self.conn.execute(
            "SELECT coalesce(max(sequence_number), 0), pg_current_xact_id()::text FROM account_move "
            "WHERE journal_id = %s AND sequence_prefix = %s",
            (journal_id, prefix),
        ).fetchone()
        assert row is not None
        if row[1] != self._transaction:
            self._transaction, self._given = row[1], {}
        number = max(int(row[0]), self._given.get((journal_id, prefix), 0)) + 1
        self._given[(journal_id, prefix)] = number
        return number


class DbRates:
    """The latest rate on or before a day (the earliest one before the first), as Odoo looks rates up."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    @cache  # noqa: B019 - one simulation's lifetime; the cache dies with the object
    def rate(self, root_id: int, currency_id: int, day: dt.date) -> int:
        row = self.conn.execute(
            "SELECT rate FROM res_currency_rate WHERE company_id = %s AND currency_id = %s "
            "ORDER BY name > %s, abs(name - %s::date) LIMIT 1",
            (root_id, currency_id, day, day),
        ).fetchone()
        if row is None:
            raise LookupError(f"no rate for currency {currency_id} in company {root_id}")
        return int(row[0] * RATE_SCALE)

    @cache  # noqa: B019
    def foreign(self, root_id: int) -> list[int]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT currency_id FROM res_currency_rate WHERE company_id = %s ORDER BY 1", (root_id,)
            )
        ]


# ---------------------------------------------------------------------------------------------------
# Session: one connection, the catalog and a seeder that builds documents for today.
# ---------------------------------------------------------------------------------------------------


@dataclass
class Session:
    conn: psycopg.Connection
    rng: random.Random
    catalog: Catalog
    seeder: Seeder
    today: dt.date
    partners: dict[int, Partner] = field(default_factory=dict)

    @property
    def now(self) -> str:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0).isoformat(sep=" ")


def open_session(conn: psycopg.Connection, rng: random.Random, today: dt.date) -> Session:
    catalog = load_catalog(conn)
    seeder = Seeder(rng, catalog, DbIds(conn), today, DbRates(conn), DbSequencer(conn))
    partners = {p.id: p for p in catalog.customers + catalog.vendors}
    partners.update({c.id: c for group in catalog.contacts.values() for c in group})
    return Session(conn, rng, catalog, seeder, today, partners)


def insert(conn: psycopg.Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    if not rows:
        return
    statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    with conn.cursor() as cur:
        cur.executemany(statement, rows)


def insert_moves(session: Session, moves: Sequence[Move]) -> None:
    """New moves with their lines and line-tax links, stamped as created now."""
    for move in moves:
        move.created = move.written = session.now
        move.uid = ADMIN_UID
        for line in move.lines:
            line.written = None
    conn = session.conn
    insert(conn, "account_move", MOVE_COLUMNS, [move_row(m) for m in moves])
    insert(
        conn, "account_move_line", LINE_COLUMNS, [line_row(m, line) for m in moves for line in m.lines]
    )
    insert(
        conn,
        "account_move_line_account_tax_rel",
        ("account_move_line_id", "account_tax_id"),
        [(line.id, tax) for m in moves for line in m.lines for tax in line.tax_ids],
    )


def update_move_amounts(session: Session, move: Move) -> None:
    columns = (*MOVE_AMOUNT_COLUMNS, "payment_state", "write_uid", "write_date")
    assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns)
    session.conn.execute(
        sql.SQL("UPDATE account_move SET {} WHERE id = %s").format(assignments),
        (*map(money, move_amounts(move)), move.payment_state, ADMIN_UID, session.now, move.id),
    )


def pick(session: Session, query: str, params: Sequence[object] = ()) -> int | None:
    """A random id among the (bounded) candidates the query returns."""
    ids = [row[0] for row in session.conn.execute(query, params)]
    return session.rng.choice(ids) if ids else None


def load_move(session: Session, move_id: int) -> Move:
    """A move header (no lines) as the engine needs it; locks the row for the transaction."""
    with session.conn.cursor(row_factory=dict_row) as cursor:
        row = cursor.execute(
            "SELECT move_type, company_id, journal_id, date, currency_id, invoice_currency_rate, partner_id, state, "
            "name, invoice_date, invoice_payment_term_id, ref, payment_reference, create_date, create_uid, "
            "payment_state FROM account_move WHERE id = %s FOR UPDATE",
            (move_id,),
        ).fetchone()
    assert row is not None, f"move {move_id} vanished"
    company = session.catalog.companies[row["company_id"]]
    return Move(
        id=move_id,
        move_type=row["move_type"],
        company=company,
        journal=next(j for j in company.journals.values() if j.id == row["journal_id"]),
        date=row["date"],
        currency_id=row["currency_id"],
        rate=int(row["invoice_currency_rate"] * RATE_SCALE),
        partner=session.partners.get(row["partner_id"]),
        created=str(row["create_date"]),
        uid=row["create_uid"],
        state=row["state"],
        name=row["name"],
        invoice_date=row["invoice_date"],
        term=next((t for t in session.catalog.terms if t.id == row["invoice_payment_term_id"]), None),
        ref=row["ref"],
        payment_reference=row["payment_reference"],
        payment_state=row["payment_state"],
    )
