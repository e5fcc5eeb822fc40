"""The accounting engine, shared by the seed and the live simulation: posting and sequence names, move
amounts, payment states, reconciliation, exchange differences and payments (a document's lines: move_lines.py).

It follows Odoo 19's business rules on in-memory documents; amounts are integer cents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import NamedTuple

from dagster_project.odoo.generator.catalog import Catalog, Company, IdSource, Journal, Partner
from dagster_project.odoo.generator.copytext import RATE_SCALE, div_round, stamp, to_company
from dagster_project.odoo.generator.documents import Counterpart, Line, Move, Partial, Payment
from dagster_project.odoo.generator.move_lines import make_line
from dagster_project.odoo.generator.specs import INBOUND_TYPES


def due_date(move: Move) -> dt.date:
    """invoice_date_due: the last installment's due date (the move date for entries)."""
    dates = [line.date_maturity for line in move.term_lines() if line.date_maturity]
    return max(dates) if dates else move.date


def sequence_prefix(move: Move) -> str:
    refund = "R" if move.move_type in ("out_refund", "in_refund") else ""
    payment = "P" if move.origin_payment_id else ""
    return f"{refund}{payment}{move.journal.code}/{move.date.year}/"


class Sequencer:
    """The next number per journal and prefix, as Odoo's ``sequence.mixin`` continues a sequence."""

    def __init__(self) -> None:
        self.last: dict[tuple[int, str], int] = {}

    def __call__(self, journal_id: int, prefix: str) -> int:
        number = self.last.get((journal_id, prefix), 0) + 1
        self.last[(journal_id, prefix)] = number
        return number


def post(move: Move, next_number: Callable[[int, str], int]) -> None:
    """Give the move its sequence name and mark it and its lines posted."""
    prefix = sequence_prefix(move)
    move.sequence_prefix, move.sequence_number = prefix, next_number(move.journal.id, prefix)
    move.name = f"{prefix}{move.sequence_number:05d}"
    move.state, move.posted_before, move.checked = "posted", True, True
    if move.move_type.startswith("out_") and not move.payment_reference:
        move.payment_reference = move.name
    for line in move.term_lines():
        if move.is_invoice:
            line.name = move.payment_reference or ""


class MoveAmounts(NamedTuple):
    """account_move's stored amounts, in its column order (rows.py writes them under these names)."""

    amount_untaxed: int
    amount_tax: int
    amount_total: int
    amount_residual: int
    amount_untaxed_signed: int
    amount_untaxed_in_currency_signed: int
    amount_tax_signed: int
    amount_total_signed: int
    amount_total_in_currency_signed: int
    amount_residual_signed: int


def move_amounts(move: Move) -> MoveAmounts:
    """Odoo's ``_compute_amount``: untaxed, tax, total, residual (document currency, unsigned) and the
    signed company-currency amounts, from the lines."""
    untaxed = untaxed_cur = tax = tax_cur = total = total_cur = residual = residual_cur = 0
    invoice = move.is_invoice
    for line in move.lines:
        kind = line.display_type
        if invoice:
            if kind == "tax":
                tax += line.balance
                tax_cur += line.amount_currency
            elif kind == "product":
                untaxed += line.balance
                untaxed_cur += line.amount_currency
            elif kind == "payment_term":
                residual += line.residual
                residual_cur += line.residual_cur
        elif line.balance > 0:
            total += line.balance
            total_cur += line.amount_currency
    if invoice:
        total, total_cur = untaxed + tax, untaxed_cur + tax_cur
    sign = -1 if move.move_type in INBOUND_TYPES else 1  # Odoo's direction_sign
    amount_total = sign * total_cur
    return MoveAmounts(
        amount_untaxed=sign * untaxed_cur,
        amount_tax=sign * tax_cur,
        amount_total=amount_total,
        amount_residual=-sign * residual_cur,
        amount_untaxed_signed=-untaxed,
        amount_untaxed_in_currency_signed=-untaxed_cur,
        amount_tax_signed=-tax,
        amount_total_signed=abs(total) if move.move_type == "entry" else -total,
        amount_total_in_currency_signed=abs(amount_total) if move.move_type == "entry" else -(sign * amount_total),
        amount_residual_signed=residual,
    )


def payment_state(move: Move, residual_cur: int, counterparts: Sequence[Counterpart]) -> str:
    """Odoo 19's ``_compute_payment_state`` from the reconciliations of the receivable/payable lines."""
    if move.state != "posted" or not move.is_invoice:
        return "not_paid"
    if residual_cur != 0:
        return "partial" if counterparts else "not_paid"
    if any(c.is_payment for c in counterparts):
        matched = all(c.payment_matched for c in counterparts if c.is_payment)
        return "paid" if matched else "in_payment"
    types = {c.move_type for c in counterparts}
    if move.move_type in ("in_invoice", "in_receipt") and types in ({"in_refund"}, {"in_refund", "entry"}):
        return "reversed"
    if move.move_type in ("out_invoice", "out_receipt") and types in ({"out_refund"}, {"out_refund", "entry"}):
        return "reversed"
    if move.move_type in ("out_refund", "in_refund") and types == {"entry"}:
        return "reversed"
    return "paid"


def set_payment_state(move: Move, partials: Sequence[Partial], matched: dict[int, bool]) -> None:
    """Payment state from the partials touching the move's term lines; ``matched`` maps payment entries
    (move ids) to their payment's ``is_matched``."""
    terms = {line.id for line in move.term_lines()}
    counterparts = []
    for partial in partials:
        for own, other in ((partial.debit, partial.credit), (partial.credit, partial.debit)):
            if own.id in terms and other.move is not move:
                other_move = other.move
                assert other_move is not None
                counterparts.append(
                    Counterpart(other_move.move_type, other_move.id in matched, matched.get(other_move.id, False))
                )
    residual_cur = sum(line.residual_cur for line in move.term_lines())
    move.payment_state = payment_state(move, residual_cur, counterparts)


def reconcile(ids: IdSource, first: Line, second: Line, day: dt.date, company_id: int) -> Partial:
    """Match two open lines of opposite signs in the same currency, as far as the smaller goes."""
    debit, credit = (first, second) if first.residual_cur > 0 else (second, first)
    if debit.currency_id != credit.currency_id:
        raise ValueError("only same-currency reconciliation is generated")
    cur = min(debit.residual_cur, -credit.residual_cur)
    debit_amount = debit.residual if cur == debit.residual_cur else div_round(debit.residual * cur, debit.residual_cur)
    credit_amount = (
        -credit.residual if cur == -credit.residual_cur else div_round(-credit.residual * cur, -credit.residual_cur)
    )
    amount = min(debit_amount, credit_amount)
    debit.residual -= amount
    debit.residual_cur -= cur
    credit.residual += amount
    credit.residual_cur += cur
    partial_id = ids("account_partial_reconcile")
    written = stamp(day, partial_id)
    debit.written = credit.written = written
    return Partial(partial_id, debit, credit, amount, cur, cur, company_id, day, written)


def exchange_difference(
    cat: Catalog, ids: IdSource, next_number: Callable[[int, str], int], line: Line, trigger: Partial
) -> tuple[Move, Partial] | None:
    """Close a line settled in its currency but not in company currency with an EXCH entry."""
    if line.residual_cur != 0 or line.residual == 0:
        return None
    source = line.move
    assert source is not None
    company, diff, day = source.company, line.residual, trigger.max_date
    move = Move(
        id=ids("account_move"),
        move_type="entry",
        company=company,
        journal=company.journals["exch"],
        date=day,
        currency_id=line.currency_id,
        rate=RATE_SCALE,
        partner=None,
        created=stamp(day, trigger.id),
        ref=f"Currency exchange rate difference for {source.name}",
    )
    counter = make_line(
        cat,
        ids,
        move,
        account_id=line.account_id,
        display_type=line.display_type,
        balance=-diff,
        amount_currency=0,
        currency_id=line.currency_id,
        name="Currency exchange rate difference",
        partner_id=line.partner_id,
        date_maturity=day,
    )
    make_line(
        cat,
        ids,
        move,
        account_id=company.accounts["fx_loss" if diff > 0 else "fx_gain"],
        display_type="product",
        balance=diff,
        amount_currency=0,
        currency_id=line.currency_id,
        name="Currency exchange rate difference",
        partner_id=line.partner_id,
    )
    post(move, next_number)
    trigger.exchange_move_id = move.id
    return move, reconcile(ids, line, counter, day, company.id)


def close_groups(ids: IdSource, partials: Sequence[Partial]) -> list[int]:
    """Full reconciles for every connected group whose lines are all settled (a group already fully
    reconciled keeps its id); matching numbers for all. Returns the new full reconcile ids."""
    parent: dict[int, int] = {}

    def find(key: int) -> int:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    lines: dict[int, Line] = {}
    for partial in partials:
        lines[partial.debit.id], lines[partial.credit.id] = partial.debit, partial.credit
        parent[find(partial.debit.id)] = find(partial.credit.id)
    groups: dict[int, list[Partial]] = {}
    for partial in partials:
        groups.setdefault(find(partial.debit.id), []).append(partial)
    fulls = []
    for root, group in sorted(groups.items()):
        members = [line for line in lines.values() if find(line.id) == root]
        full_id = None
        if all(line.reconciled for line in members):
            previous = {p.full_id for p in group}
            if len(previous) == 1 and None not in previous:
                full_id = next(iter(previous))
            else:
                full_id = ids("account_full_reconcile")
                fulls.append(full_id)
        matching = str(full_id) if full_id else f"P{min(p.id for p in group)}"
        for line in members:
            line.full_id, line.matching = full_id, matching
        for partial in group:
            partial.full_id = full_id
    return fulls


def build_payment(
    cat: Catalog,
    ids: IdSource,
    next_number: Callable[[int, str], int],
    *,
    company: Company,
    journal: Journal,
    partner: Partner,
    partner_type: str,
    inbound: bool,
    amount: int,
    currency_id: int,
    rate: int,
    day: dt.date,
    memo: str,
    matched: bool,
) -> Payment:
    """A posted payment with its own entry: liquidity line, then the receivable/payable counterpart.

    A payment booked straight on the bank account counts as matched (Odoo's "no statement" mode) and is
    ``paid``; one on an outstanding account waits for the bank statement (``in_process``).
    """
    payment_id = ids("account_payment")
    move = Move(
        id=ids("account_move"),
        move_type="entry",
        company=company,
        journal=journal,
        date=day,
        currency_id=currency_id,
        rate=rate,
        partner=partner,
        created=stamp(day, payment_id),
        origin_payment_id=payment_id,
        ref=memo,
    )
    outstanding = (
        journal.default_account_id
        if matched
        else company.accounts["outstanding_receipts" if inbound else "outstanding_payments"]
    )
    assert outstanding is not None
    destination = (partner.receivable if partner_type == "customer" else partner.payable)[company.id]
    sign = 1 if inbound else -1
    balance = sign * to_company(amount, rate)
    label = f"{'Customer' if partner_type == 'customer' else 'Vendor'} Payment: {memo}"
    for account_id, kind, bal, cur in (
        (outstanding, "product", balance, sign * amount),
        (destination, "payment_term", -balance, -sign * amount),
    ):
        make_line(
            cat,
            ids,
            move,
            account_id=account_id,
            display_type=kind,
            balance=bal,
            amount_currency=cur,
            currency_id=currency_id,
            name=label,
            partner_id=partner.commercial_id,
            date_maturity=day,
            payment_id=payment_id,
        )
    post(move, next_number)
    return Payment(
        payment_id,
        move,
        amount,
        "inbound" if inbound else "outbound",
        partner_type,
        "paid" if matched else "in_process",
        matched,
        memo,
        outstanding,
        destination,
    )
