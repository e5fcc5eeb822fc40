"""The business events of live activity, one transaction each: a handler returns the id it touched, or None
when nothing qualified (no draft to post). Add an event kind by adding a handler to ``EVENTS``."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from psycopg import sql

from dagster_project.odoo.generator.accounting import build_payment, close_groups, due_date, post, set_payment_state
from dagster_project.odoo.generator.documents import Partial
from dagster_project.odoo.generator.move_lines import add_invoice_lines
from dagster_project.odoo.generator.reconciliation import OPEN_INVOICES, load_reconciliation, write_reconciliation
from dagster_project.odoo.generator.rows import (
    LINE_COLUMNS,
    line_row,
)
from dagster_project.odoo.generator.session import (
    Session,
    insert,
    insert_moves,
    load_move,
    pick,
    update_move_amounts,
)
from dagster_project.odoo.generator.specs import ADMIN_UID, INBOUND_TYPES

Progress = Callable[[str], None]
INVOICE_KINDS = ("out_invoice", "in_invoice", "out_refund", "in_refund")
INVOICE_KIND_WEIGHTS = (10, 8, 1, 1)

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
    add_invoice_lines(session.catalog, session.seeder.ids, move, items)
    created = move.created
    move.created = session.now
    insert(conn, "account_move_line", LINE_COLUMNS, [line_row(move, line) for line in move.lines])
    insert(
        conn,
        "account_move_line_account_tax_rel",
        ("account_move_line_id", "account_tax_id"),
        [(line.id, tax) for line in move.lines for tax in line.tax_ids],
    )
    move.created = created
    conn.execute("UPDATE account_move SET invoice_date_due = %s WHERE id = %s", (due_date(move), move_id))
    update_move_amounts(session, move)
    return move_id


def post_draft(session: Session) -> int | None:
    """Post a draft: the next sequence name of its journal and year, lines follow the move's state."""
    move_id = pick(session, DRAFT_INVOICES)
    if move_id is None:
        return None
    move = load_move(session, move_id)
    post(move, session.seeder.seq)
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
    payment = build_payment(
        session.catalog,
        seeder.ids,
        seeder.seq,
        company=company,
        journal=seeder.payment_journal(company, invoice.currency_id),
        partner=partner,
        partner_type="customer" if invoice.move_type.startswith("out_") else "supplier",
        inbound=invoice.move_type in INBOUND_TYPES,
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
    full_ids = close_groups(seeder.ids, all_partials)
    matched = {**rec.matched, payment.move.id: payment.is_matched}
    set_payment_state(invoice, all_partials, matched)
    write_reconciliation(session, rec, payment, exchange_moves, new_partials, full_ids)
    return move_id

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
