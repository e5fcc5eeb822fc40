"""Ongoing business activity on a seeded Odoo database, one real transaction per business event.

The events reuse the seed's accounting engine, so every invariant of the seed (balanced moves, amounts
equal to line sums, residuals and payment states following the reconciliations, gap-free sequence
names) still holds afterwards. Add an event kind by adding a handler to ``EVENTS``.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import psycopg
from psycopg import sql

from dagster_project.config import database
from dagster_project.odoo import ledger
from dagster_project.odoo.catalog import Catalog, Company, Journal, Partner, Product, Tax, Term
from dagster_project.odoo.copytext import RATE_SCALE
from dagster_project.odoo.documents import Line, Move, Partial, Payment
from dagster_project.odoo.reports import SimulationReport
from dagster_project.odoo.specs import ADMIN_UID, CHART, JOURNALS, PRODUCTS, TAXES, TERMS
from dagster_project.odoo.stories import Seeder

Progress = Callable[[str], None]
INVOICE_KINDS = ("out_invoice", "in_invoice", "out_refund", "in_refund")
INVOICE_KIND_WEIGHTS = (10, 8, 1, 1)


# ---------------------------------------------------------------------------------------------------
# The seeded master data, read back from the database.
# ---------------------------------------------------------------------------------------------------


def _company_rows(conn: psycopg.Connection) -> list[tuple[int, str, int | None, int, int]]:
    return conn.execute("SELECT id, name, parent_id, currency_id, partner_id FROM res_company ORDER BY id").fetchall()


def _accounts(conn: psycopg.Connection) -> tuple[dict[int, dict[str, int]], dict[int, str], set[int]]:
    roles = {code: role for role, code, *_ in CHART}
    charts: dict[int, dict[str, int]] = {}
    types: dict[int, str] = {}
    reconcilable = set()
    for account_id, code_store, kind, reconcile in conn.execute(
        "SELECT id, code_store, account_type, reconcile FROM account_account ORDER BY id"
    ):
        for company_id, code in code_store.items():
            charts.setdefault(int(company_id), {})[roles.get(code, code)] = account_id
        types[account_id] = kind
        if reconcile:
            reconcilable.add(account_id)
    return charts, types, reconcilable


def _journals(conn: psycopg.Connection) -> dict[int, dict[str, Journal]]:
    journals: dict[int, dict[str, Journal]] = {}
    for journal_id, company_id, code, name, kind, account_id, currency_id in conn.execute(
        "SELECT id, company_id, code, name->>'en_US', type, default_account_id, currency_id "
        "FROM account_journal ORDER BY id"
    ):
        role = next(r for r, suffix, *_ in JOURNALS if code.endswith(suffix))
        journals.setdefault(company_id, {})[role] = Journal(
            journal_id, company_id, code, name, kind, account_id, currency_id
        )
    return journals


def _taxes(
    conn: psycopg.Connection,
    currency_names: dict[int, str],
    companies: Sequence[tuple[int, str, int | None, int, int]],
    charts: dict[int, dict[str, int]],
) -> dict[int, dict[str, Tax]]:
    currency_of = {row[0]: currency_names[row[3]] for row in companies}
    taxes: dict[int, dict[str, Tax]] = {}
    for tax_id, company_id, name, use in conn.execute(
        "SELECT id, company_id, name->>'en_US', type_tax_use FROM account_tax ORDER BY id"
    ):
        role, _, _, points, account_role = next(
            t for t in TAXES[currency_of[company_id]] if t[1] == name and t[2] == use
        )
        taxes.setdefault(company_id, {})[role] = Tax(
            tax_id, company_id, name, use, points, charts[company_id][account_role]
        )
    return taxes


def _partners(conn: psycopg.Connection) -> tuple[list[Partner], list[Partner], dict[int, list[Partner]]]:
    customers: list[Partner] = []
    vendors: list[Partner] = []
    contacts: dict[int, list[Partner]] = {}
    bills = dict(
        conn.execute(
            "SELECT commercial_partner_id, count(*) FROM account_move "
            "WHERE move_type IN ('in_invoice', 'in_refund', 'in_receipt') GROUP BY 1"
        ).fetchall()
    )
    rows = conn.execute(
        "SELECT id, complete_name, commercial_partner_id, ref, parent_id, property_account_receivable_id, "
        "property_account_payable_id FROM res_partner WHERE property_account_receivable_id IS NOT NULL "
        "ORDER BY id"
    ).fetchall()
    for partner_id, name, commercial_id, ref, parent_id, receivable, payable in rows:
        partner = Partner(
            partner_id,
            name,
            commercial_id,
            "contact" if parent_id else "trade",
            {int(k): v for k, v in receivable.items()},
            {int(k): v for k, v in payable.items()},
            bills=bills.get(partner_id, 0),
        )
        if parent_id:
            contacts.setdefault(parent_id, []).append(partner)
        elif ref and ref.startswith("C"):
            customers.append(partner)
        elif ref and ref.startswith("V"):
            vendors.append(partner)
    return customers, vendors, contacts


def _products(conn: psycopg.Connection) -> dict[str, list[Product]]:
    spec = {name: (price, use, role) for name, _, price, use, role in PRODUCTS}
    products: dict[str, list[Product]] = {}
    for product_id, name in conn.execute(
        "SELECT p.id, t.name->>'en_US' FROM product_product p "
        "JOIN product_template t ON t.id = p.product_tmpl_id ORDER BY p.id"
    ):
        price, use, role = spec[name]
        products.setdefault(use, []).append(Product(product_id, name, price, use, role))
    return products


def load_catalog(conn: psycopg.Connection) -> Catalog:
    """The catalog of a database made by ``seed_database``."""
    currencies = dict(conn.execute("SELECT name, id FROM res_currency").fetchall())
    names = {v: k for k, v in currencies.items()}
    company_rows = _company_rows(conn)
    charts, types, reconcilable = _accounts(conn)
    journals = _journals(conn)
    taxes = _taxes(conn, names, company_rows, charts)
    companies = {}
    for company_id, name, parent_id, currency_id, partner_id in company_rows:
        root = parent_id or company_id
        accounts = dict(charts[root])
        if parent_id:
            accounts["bank"] = accounts["branch_bank"]
        companies[company_id] = Company(
            company_id, name, root, currency_id, partner_id, accounts, journals[company_id], taxes[root]
        )
    schedules = dict(TERMS)
    terms = [
        Term(term_id, name, schedules[name])
        for term_id, name in conn.execute("SELECT id, name->>'en_US' FROM account_payment_term ORDER BY sequence, id")
    ]
    customers, vendors, contacts = _partners(conn)
    residual = frozenset(
        a for a, kind in types.items() if kind in ("asset_cash", "liability_credit_card") or a in reconcilable
    )
    return Catalog(currencies, companies, terms, _products(conn), customers, vendors, {}, contacts, residual, types)


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
    insert(conn, "account_move", ledger.MOVE_COLUMNS, [ledger.move_row(m) for m in moves])
    insert(
        conn, "account_move_line", ledger.LINE_COLUMNS, [ledger.line_row(m, line) for m in moves for line in m.lines]
    )
    insert(
        conn,
        "account_move_line_account_tax_rel",
        ("account_move_line_id", "account_tax_id"),
        [(line.id, tax) for m in moves for line in m.lines for tax in line.tax_ids],
    )


def update_move_amounts(session: Session, move: Move) -> None:
    columns = (*ledger.MOVE_AMOUNT_COLUMNS, "payment_state", "write_uid", "write_date")
    assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns)
    session.conn.execute(
        sql.SQL("UPDATE account_move SET {} WHERE id = %s").format(assignments),
        (*map(ledger.money, ledger.move_amounts(move)), move.payment_state, ADMIN_UID, session.now, move.id),
    )


def pick(session: Session, query: str, params: Sequence[object] = ()) -> int | None:
    """A random id among the (bounded) candidates the query returns."""
    ids = [row[0] for row in session.conn.execute(query, params)]
    return session.rng.choice(ids) if ids else None


def load_move(session: Session, move_id: int) -> Move:
    """A move header (no lines) as the engine needs it; locks the row for the transaction."""
    row = session.conn.execute(
        "SELECT move_type, company_id, journal_id, date, currency_id, invoice_currency_rate, partner_id, state, "
        "name, invoice_date, invoice_payment_term_id, ref, payment_reference, create_date, create_uid, "
        "payment_state FROM account_move WHERE id = %s FOR UPDATE",
        (move_id,),
    ).fetchone()
    assert row is not None, f"move {move_id} vanished"
    (
        move_type,
        company_id,
        journal_id,
        day,
        currency_id,
        rate,
        partner_id,
        state,
        name,
        invoice_date,
        term_id,
        ref,
        payment_reference,
        created,
        uid,
        pay_state,
    ) = row
    company = session.catalog.companies[company_id]
    journal = next(j for j in company.journals.values() if j.id == journal_id)
    term = next((t for t in session.catalog.terms if t.id == term_id), None)
    return Move(
        id=move_id,
        move_type=move_type,
        company=company,
        journal=journal,
        date=day,
        currency_id=currency_id,
        rate=int(rate * RATE_SCALE),
        partner=session.partners.get(partner_id),
        created=str(created),
        uid=uid,
        state=state,
        name=name,
        invoice_date=invoice_date,
        term=term,
        ref=ref,
        payment_reference=payment_reference,
        payment_state=pay_state,
    )


DRAFT_INVOICES = """
    SELECT m.id FROM account_move m WHERE m.state = 'draft' AND m.move_type <> 'entry'
      AND NOT EXISTS (SELECT 1 FROM hr_expense e WHERE e.account_move_id = m.id)
    ORDER BY m.id DESC LIMIT 200"""


# ---------------------------------------------------------------------------------------------------
# Events.
# ---------------------------------------------------------------------------------------------------


def create_draft(session: Session) -> int | None:
    """A new draft invoice, bill or credit note with its lines."""
    kind = session.rng.choices(INVOICE_KINDS, INVOICE_KIND_WEIGHTS)[0]
    move = session.seeder.invoice(kind, session.today)
    insert_moves(session, [move])
    return move.id


def edit_draft(session: Session) -> int | None:
    """Replace a draft's lines (new products and quantities) and recompute its amounts."""
    move_id = pick(session, DRAFT_INVOICES)
    if move_id is None:
        return None
    move = load_move(session, move_id)
    if move.partner is None or move.term is None:
        return None
    conn = session.conn
    delete_lines(conn, move_id)
    use = "sale" if move.move_type.startswith("out_") else "purchase"
    items = session.seeder.items(move.company, use, move.currency_id, move.date, session.rng.randrange(1, 5))
    ledger.add_invoice_lines(session.catalog, session.seeder.ids, move, items)
    created = move.created
    move.created = session.now
    insert(conn, "account_move_line", ledger.LINE_COLUMNS, [ledger.line_row(move, line) for line in move.lines])
    insert(
        conn,
        "account_move_line_account_tax_rel",
        ("account_move_line_id", "account_tax_id"),
        [(line.id, tax) for line in move.lines for tax in line.tax_ids],
    )
    move.created = created
    conn.execute("UPDATE account_move SET invoice_date_due = %s WHERE id = %s", (ledger.due_date(move), move_id))
    update_move_amounts(session, move)
    return move_id


def post_draft(session: Session) -> int | None:
    """Post a draft: the next sequence name of its journal and year, lines follow the move's state."""
    move_id = pick(session, DRAFT_INVOICES)
    if move_id is None:
        return None
    move = load_move(session, move_id)
    ledger.post(move, session.seeder.seq)
    now, conn = session.now, session.conn
    conn.execute(
        "UPDATE account_move SET name = %s, state = 'posted', sequence_prefix = %s, sequence_number = %s, "
        "posted_before = true, checked = true, payment_reference = %s, "
        "invoice_date = coalesce(invoice_date, date), write_uid = %s, write_date = %s WHERE id = %s",
        (move.name, move.sequence_prefix, move.sequence_number, move.payment_reference, ADMIN_UID, now, move_id),
    )
    conn.execute(
        "UPDATE account_move_line SET parent_state = 'posted', move_name = %s, invoice_date = coalesce(invoice_date, "
        "date), name = CASE WHEN display_type = 'payment_term' THEN coalesce(%s, '') ELSE name END, "
        "write_uid = %s, write_date = %s WHERE move_id = %s",
        (move.name, move.payment_reference, ADMIN_UID, now, move_id),
    )
    rank = "customer_rank" if move.move_type.startswith("out_") else "supplier_rank"
    if move.partner is not None:
        conn.execute(
            sql.SQL("UPDATE res_partner SET {0} = {0} + 1, write_date = %s WHERE id = %s").format(sql.Identifier(rank)),
            (now, move.partner.commercial_id),
        )
    return move_id


OPEN_INVOICES = """
    SELECT m.id FROM account_move m
    WHERE m.state = 'posted' AND m.move_type <> 'entry' AND m.payment_state IN ('not_paid', 'partial')
      AND m.amount_residual <> 0
      AND NOT EXISTS (SELECT 1 FROM hr_expense e WHERE e.account_move_id = m.id)
    ORDER BY m.id DESC LIMIT 300"""

_TERM_LINES = """
    SELECT l.id, l.account_id, l.display_type, l.balance, l.amount_currency, l.currency_id, l.name, l.partner_id,
           l.amount_residual, l.amount_residual_currency, l.date_maturity
    FROM account_move_line l WHERE l.move_id = %s AND l.display_type = 'payment_term'
    ORDER BY l.date_maturity, l.id FOR UPDATE"""

_COMPONENT_LINES = """
    WITH RECURSIVE component(id) AS (
        SELECT unnest(%(lines)s::int[])
        UNION
        SELECT CASE WHEN p.debit_move_id = c.id THEN p.credit_move_id ELSE p.debit_move_id END
        FROM account_partial_reconcile p JOIN component c ON c.id IN (p.debit_move_id, p.credit_move_id)
    )
    SELECT l.id, l.account_id, l.display_type, l.balance, l.amount_currency, l.currency_id, l.name, l.partner_id,
           l.amount_residual, l.amount_residual_currency, l.date_maturity,
           m.id, m.move_type, m.origin_payment_id, coalesce(pay.is_matched, false), m.date, m.create_date
    FROM component c JOIN account_move_line l ON l.id = c.id JOIN account_move m ON m.id = l.move_id
    LEFT JOIN account_payment pay ON pay.id = m.origin_payment_id
    WHERE l.id <> ALL(%(lines)s)
    ORDER BY l.id FOR UPDATE OF l"""

_PARTIALS = """
    SELECT id, debit_move_id, credit_move_id, amount, debit_amount_currency, credit_amount_currency, max_date,
           full_reconcile_id, exchange_move_id, create_date
    FROM account_partial_reconcile WHERE debit_move_id = ANY(%s) OR credit_move_id = ANY(%s)
    ORDER BY id FOR UPDATE"""


def _line(cat: Catalog, move: Move, row: Sequence) -> Line:
    """A stored line as the engine's Line, residuals in cents."""
    (
        line_id,
        account_id,
        kind,
        balance,
        amount_currency,
        currency_id,
        name,
        partner_id,
        residual,
        residual_cur,
        maturity,
    ) = row
    line = Line(
        line_id,
        account_id,
        kind,
        _cents(balance),
        _cents(amount_currency),
        currency_id,
        name,
        partner_id,
        _cents(residual),
        _cents(residual_cur),
        maturity,
        move=move,
        tracked=account_id in cat.residual_accounts,
    )
    move.lines.append(line)
    return line


def _cents(value: object) -> int:
    return int(round(value * 100))  # type: ignore[operator]  # numeric(…, 2) as Decimal: exact


@dataclass
class Reconciliation:
    """An invoice's term lines and the whole reconciliation group they belong to (payments, refunds,
    exchange differences, and what those are reconciled with in turn)."""

    invoice: Move
    partials: list[Partial]
    counterparts: dict[int, Move]
    matched: dict[int, bool]
    old_full: dict[int, int | None]


def load_reconciliation(session: Session, move_id: int) -> Reconciliation:
    cat, conn = session.catalog, session.conn
    invoice = load_move(session, move_id)
    lines = {line.id: line for line in (_line(cat, invoice, row) for row in conn.execute(_TERM_LINES, (move_id,)))}
    moves: dict[int, Move] = {}
    matched: dict[int, bool] = {}
    for row in conn.execute(_COMPONENT_LINES, {"lines": list(lines)}):
        other_id, move_type, payment_id, is_matched, day, created = row[11:]
        other = moves.setdefault(
            other_id,
            Move(
                id=other_id,
                move_type=move_type,
                company=invoice.company,
                journal=invoice.journal,
                date=day,
                currency_id=invoice.currency_id,
                rate=RATE_SCALE,
                partner=None,
                created=str(created),
                origin_payment_id=payment_id,
            ),
        )
        lines[row[0]] = _line(cat, other, row[:11])
        if payment_id:
            matched[other_id] = is_matched
    partials = [
        Partial(
            pid,
            lines[debit],
            lines[credit],
            _cents(amount),
            _cents(debit_cur),
            _cents(credit_cur),
            invoice.company.id,
            max_date,
            str(created),
            full_id,
            exchange_id,
        )
        for pid, debit, credit, amount, debit_cur, credit_cur, max_date, full_id, exchange_id, created in conn.execute(
            _PARTIALS, (list(lines), list(lines))
        )
    ]
    return Reconciliation(invoice, partials, moves, matched, {p.id: p.full_id for p in partials})


def register_payment(session: Session) -> int | None:
    """A customer or vendor payment for an open invoice, reconciled fully or in part."""
    move_id = pick(session, OPEN_INVOICES)
    if move_id is None:
        return None
    rng, seeder = session.rng, session.seeder
    rec = load_reconciliation(session, move_id)
    invoice = rec.invoice
    open_lines = [line for line in invoice.term_lines() if line.residual_cur]
    remaining = abs(sum(line.residual_cur for line in open_lines))
    amount = remaining if rng.random() < 0.6 else max(remaining * rng.randrange(30, 71) // 100, 1)
    company, partner = invoice.company, session.partners[invoice.partner.commercial_id]  # type: ignore[union-attr]
    payment = ledger.build_payment(
        session.catalog,
        seeder.ids,
        seeder.seq,
        company=company,
        journal=seeder.payment_journal(company, invoice.currency_id),
        partner=partner,
        partner_type="customer" if invoice.move_type.startswith("out_") else "supplier",
        inbound=invoice.move_type in ledger.INBOUND_TYPES,
        amount=amount,
        currency_id=invoice.currency_id,
        rate=seeder.rate(company, invoice.currency_id, session.today),
        day=session.today,
        memo=invoice.name,
        matched=rng.random() < 0.5,
    )
    new_partials: list[Partial] = []
    exchange_moves = seeder.apply(payment.counterpart, open_lines, session.today, new_partials)
    all_partials = rec.partials + new_partials
    full_ids = ledger.close_groups(seeder.ids, all_partials)
    matched = {**rec.matched, payment.move.id: payment.is_matched}
    ledger.set_payment_state(invoice, all_partials, matched)
    write_reconciliation(session, rec, payment, exchange_moves, new_partials, full_ids)
    return move_id


def write_reconciliation(
    session: Session,
    rec: Reconciliation,
    payment: Payment,
    exchange_moves: list[Move],
    new_partials: list[Partial],
    full_ids: list[int],
) -> None:
    conn, now = session.conn, session.now
    insert_moves(session, [payment.move, *exchange_moves])
    insert(conn, "account_payment", ledger.PAYMENT_COLUMNS, [ledger.payment_row(payment)])
    insert(conn, "account_move__account_payment", ("invoice_id", "payment_id"), [(rec.invoice.id, payment.id)])
    insert(conn, "account_full_reconcile", ledger.FULL_COLUMNS, [(i, ADMIN_UID, now, ADMIN_UID, now) for i in full_ids])
    for partial in new_partials:
        partial.created = now
    insert(conn, "account_partial_reconcile", ledger.PARTIAL_COLUMNS, [ledger.partial_row(p) for p in new_partials])
    for partial in rec.partials:
        if partial.full_id != rec.old_full[partial.id]:
            conn.execute(
                "UPDATE account_partial_reconcile SET full_reconcile_id = %s, write_date = %s WHERE id = %s",
                (partial.full_id, now, partial.id),
            )
    new_lines = {line.id for move in (payment.move, *exchange_moves) for line in move.lines}
    existing = [
        line for move in (rec.invoice, *rec.counterparts.values()) for line in move.lines if line.id not in new_lines
    ]
    residual, residual_signed = (ledger.move_amounts(rec.invoice)[i] for i in (3, 9))  # from term lines only
    with conn.cursor() as cur:
        cur.executemany(
            "UPDATE account_move_line SET amount_residual = %s, amount_residual_currency = %s, reconciled = %s, "
            "full_reconcile_id = %s, matching_number = %s, write_uid = %s, write_date = %s WHERE id = %s",
            [
                (
                    ledger.money(line.residual),
                    ledger.money(line.residual_cur),
                    line.reconciled,
                    line.full_id,
                    line.matching,
                    ADMIN_UID,
                    now,
                    line.id,
                )
                for line in existing
            ],
        )
    conn.execute(
        "UPDATE account_move SET amount_residual = %s, amount_residual_signed = %s, payment_state = %s, "
        "write_uid = %s, write_date = %s WHERE id = %s",
        (
            ledger.money(residual),
            ledger.money(residual_signed),
            rec.invoice.payment_state,
            ADMIN_UID,
            now,
            rec.invoice.id,
        ),
    )


def cancel_invoice(session: Session) -> int | None:
    """Cancel a posted, unpaid invoice (reset to draft, then cancelled: it keeps its name)."""
    move_id = pick(
        session,
        """
        SELECT m.id FROM account_move m
        WHERE m.state = 'posted' AND m.move_type <> 'entry' AND m.payment_state = 'not_paid'
          AND NOT EXISTS (SELECT 1 FROM hr_expense e WHERE e.account_move_id = m.id)
          AND NOT EXISTS (SELECT 1 FROM account_move_line l JOIN account_partial_reconcile p
                          ON l.id IN (p.debit_move_id, p.credit_move_id) WHERE l.move_id = m.id)
        ORDER BY m.id DESC LIMIT 200""",
    )
    if move_id is None:
        return None
    now, conn = session.now, session.conn
    conn.execute(
        "UPDATE account_move SET state = 'cancel', checked = false, write_uid = %s, write_date = %s WHERE id = %s",
        (ADMIN_UID, now, move_id),
    )
    conn.execute(
        "UPDATE account_move_line SET parent_state = 'cancel', write_uid = %s, write_date = %s WHERE move_id = %s",
        (ADMIN_UID, now, move_id),
    )
    return move_id


def delete_lines(conn: psycopg.Connection, move_id: int) -> None:
    """A move's lines and their tax links (the link rows first: Odoo's cascade, done by hand here)."""
    conn.execute(
        "DELETE FROM account_move_line_account_tax_rel WHERE account_move_line_id IN "
        "(SELECT id FROM account_move_line WHERE move_id = %s)",
        (move_id,),
    )
    conn.execute("DELETE FROM account_move_line WHERE move_id = %s", (move_id,))


def delete_draft(session: Session) -> int | None:
    """Delete a draft: its line-tax links, its lines, then the move."""
    move_id = pick(session, DRAFT_INVOICES)
    if move_id is None:
        return None
    conn = session.conn
    delete_lines(conn, move_id)
    conn.execute("DELETE FROM account_move WHERE id = %s", (move_id,))
    return move_id


def rebuild_tax_links(session: Session) -> int | None:
    """Empty and refill the line-tax link table in one transaction, as a data fix or module upgrade that
    recomputes a many2many does: a TRUNCATE that replication must carry. Returns the rows written back."""
    conn = session.conn
    conn.execute("CREATE TEMP TABLE tax_links ON COMMIT DROP AS SELECT * FROM account_move_line_account_tax_rel")
    conn.execute("TRUNCATE account_move_line_account_tax_rel")
    cursor = conn.execute("INSERT INTO account_move_line_account_tax_rel SELECT * FROM tax_links ORDER BY 1, 2")
    return cursor.rowcount


Handler = Callable[[Session], "int | None"]

# Event kinds with their relative weights; a handler returns the id it touched, or None when nothing
# qualified (e.g. no draft to post).
EVENTS: dict[str, tuple[float, Handler]] = {
    "create_draft": (4.0, create_draft),
    "edit_draft": (2.0, edit_draft),
    "post": (3.0, post_draft),
    "payment": (3.0, register_payment),
    "cancel": (0.5, cancel_invoice),
    "delete_draft": (1.0, delete_draft),
    "rebuild_tax_links": (0.0, rebuild_tax_links),  # opt-in: weights={"rebuild_tax_links": 0.2}
}
RECONNECT_SECONDS = 120


def simulate(
    dsn: str,
    *,
    rate: float,
    duration: float,
    seed: int | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    weights: Mapping[str, float] | None = None,
) -> SimulationReport:
    """Produce about ``rate`` business events per second for ``duration`` seconds (or until ``stop``).

    ``weights`` overrides the relative weights of ``EVENTS`` by kind. A lost connection (a server restart)
    is re-opened and the activity goes on: the event in flight was rolled back by the server.
    """
    if rate <= 0 or duration < 0:
        raise ValueError(f"rate must be positive and duration not negative (rate={rate}, duration={duration})")
    chosen = {kind: float((weights or {}).get(kind, weight)) for kind, (weight, _) in EVENTS.items()}
    unknown = set(weights or {}) - set(EVENTS)
    if unknown or not any(w > 0 for w in chosen.values()) or any(w < 0 for w in chosen.values()):
        raise ValueError(f"weights must name event kinds among {sorted(EVENTS)} with at least one positive weight "
                         f"and none negative (unknown: {sorted(unknown)})")
    rng = random.Random(seed)
    stop = stop or threading.Event()
    report = SimulationReport({k: 0 for k in EVENTS}, {k: [] for k in EVENTS}, {k: 0 for k in EVENTS}, 0.0)
    kinds, kind_weights = list(chosen), list(chosen.values())
    started = due = time.monotonic()
    conn = database.connect(dsn, autocommit=True)
    try:
        session = open_session(conn, rng, today or dt.date.today())
        while not stop.is_set() and (now := time.monotonic()) - started < duration:
            if now < due:
                stop.wait(min(due - now, duration - (now - started)))
                continue
            kind = rng.choices(kinds, kind_weights)[0]
            try:
                with conn.transaction():
                    touched_id = EVENTS[kind][1](session)
            except psycopg.OperationalError as exc:
                if not conn.closed:
                    raise
                conn = _reconnect(dsn, exc, stop, progress)
                session = open_session(conn, rng, session.today)
                report.reconnects += 1
                continue
            _record(report, kind, touched_id, progress)
            due += 1 / rate
    finally:
        conn.close()
    report.seconds = time.monotonic() - started
    return report


def _record(report: SimulationReport, kind: str, touched_id: int | None, progress: Progress | None) -> None:
    if touched_id is None:
        report.skipped[kind] += 1
        return
    report.counts[kind] += 1
    report.touched[kind].append(touched_id)
    if progress:
        progress(f"{kind} {touched_id}")


def _reconnect(dsn: str, cause: Exception, stop: threading.Event, progress: Progress | None) -> psycopg.Connection:
    """Retry with backoff for up to RECONNECT_SECONDS, as Odoo's workers do after a database restart."""
    if progress:
        progress(f"connection lost ({str(cause).strip().splitlines()[0]}); reconnecting")
    deadline, pause = time.monotonic() + RECONNECT_SECONDS, 0.2
    while True:
        try:
            return database.connect(dsn, autocommit=True, connect_timeout_s=5)
        except psycopg.OperationalError:
            if stop.is_set() or time.monotonic() > deadline:
                raise
            stop.wait(pause)
            pause = min(pause * 2, 5.0)
