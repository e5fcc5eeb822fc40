"""Payments against open invoices: an invoice's receivable or payable items and their partial reconciliations
loaded, and the new partials, full reconciliations and payment states written back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg.rows import dict_row

from dagster_project.odoo.generator.accounting import move_amounts
from dagster_project.odoo.generator.catalog import Catalog
from dagster_project.odoo.generator.copytext import RATE_SCALE, money
from dagster_project.odoo.generator.documents import Line, Move, Partial, Payment
from dagster_project.odoo.generator.rows import (
    FULL_COLUMNS,
    PARTIAL_COLUMNS,
    PAYMENT_COLUMNS,
    partial_row,
    payment_row,
)
from dagster_project.odoo.generator.session import Session, insert, insert_moves, load_move
from dagster_project.odoo.generator.specs import ADMIN_UID

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
           m.id AS other_move_id, m.move_type AS other_move_type, m.origin_payment_id AS payment_id,
           coalesce(pay.is_matched, false) AS is_matched, m.date AS other_date, m.create_date AS other_created
    FROM component c JOIN account_move_line l ON l.id = c.id JOIN account_move m ON m.id = l.move_id
    LEFT JOIN account_payment pay ON pay.id = m.origin_payment_id
    WHERE l.id <> ALL(%(lines)s)
    ORDER BY l.id FOR UPDATE OF l"""

_PARTIALS = """
    SELECT id, debit_move_id, credit_move_id, amount, debit_amount_currency, credit_amount_currency, max_date,
           full_reconcile_id, exchange_move_id, create_date
    FROM account_partial_reconcile WHERE debit_move_id = ANY(%s) OR credit_move_id = ANY(%s)
    ORDER BY id FOR UPDATE"""


def _line(cat: Catalog, move: Move, row: Mapping[str, Any]) -> Line:
    line = Line(
        row["id"],
        row["account_id"],
        row["display_type"],
        _cents(row["balance"]),
        _cents(row["amount_currency"]),
        row["currency_id"],
        row["name"],
        row["partner_id"],
        _cents(row["amount_residual"]),
        _cents(row["amount_residual_currency"]),
        row["date_maturity"],
        move=move,
        tracked=row["account_id"] in cat.residual_accounts,
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
    with conn.cursor(row_factory=dict_row) as cursor:
        terms = cursor.execute(_TERM_LINES, (move_id,)).fetchall()
        lines = {line.id: line for line in (_line(cat, invoice, row) for row in terms)}
        components = cursor.execute(_COMPONENT_LINES, {"lines": list(lines)}).fetchall()
    moves: dict[int, Move] = {}
    matched: dict[int, bool] = {}
    for row in components:
        other_id, payment_id = row["other_move_id"], row["payment_id"]
        other = moves.setdefault(
            other_id,
            Move(
                id=other_id,
                move_type=row["other_move_type"],
                company=invoice.company,
                journal=invoice.journal,
                date=row["other_date"],
                currency_id=invoice.currency_id,
                rate=RATE_SCALE,
                partner=None,
                created=str(row["other_created"]),
                origin_payment_id=payment_id,
            ),
        )
        lines[row["id"]] = _line(cat, other, row)
        if payment_id:
            matched[other_id] = row["is_matched"]
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
    insert(conn, "account_payment", PAYMENT_COLUMNS, [payment_row(payment)])
    insert(conn, "account_move__account_payment", ("invoice_id", "payment_id"), [(rec.invoice.id, payment.id)])
    insert(conn, "account_full_reconcile", FULL_COLUMNS, [(i, ADMIN_UID, now, ADMIN_UID, now) for i in full_ids])
    for partial in new_partials:
        partial.created = now
    insert(conn, "account_partial_reconcile", PARTIAL_COLUMNS, [partial_row(p) for p in new_partials])
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
    amounts = move_amounts(rec.invoice)  # the residuals come from the term lines only
    residual, residual_signed = amounts.amount_residual, amounts.amount_residual_signed
    with conn.cursor() as cur:
        cur.executemany(
            "UPDATE account_move_line SET amount_residual = %s, amount_residual_currency = %s, reconciled = %s, "
            "full_reconcile_id = %s, matching_number = %s, write_uid = %s, write_date = %s WHERE id = %s",
            [
                (
                    money(line.residual),
                    money(line.residual_cur),
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
            money(residual),
            money(residual_signed),
            rec.invoice.payment_state,
            ADMIN_UID,
            now,
            rec.invoice.id,
        ),
    )
