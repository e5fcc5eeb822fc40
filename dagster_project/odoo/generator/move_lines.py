"""The lines of a document: its product and tax lines, its receivable or payable term lines, a refund's
reversed lines and an expense's lines, each built with `make_line` so every line carries the same fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from dagster_project.odoo.generator.catalog import Catalog, Company, IdSource, Partner, Tax
from dagster_project.odoo.generator.copytext import div_round, to_company
from dagster_project.odoo.generator.documents import Item, Line, Move
from dagster_project.odoo.generator.specs import INBOUND_TYPES


def make_line(cat: Catalog, ids: IdSource, move: Move, **values: object) -> Line:
    """A line with Odoo's residual rule: tracked on reconcilable and liquidity accounts only."""
    line = Line(id=ids("account_move_line"), **values)  # type: ignore[arg-type]
    if line.account_id in cat.residual_accounts:
        line.tracked = True
        line.residual, line.residual_cur = line.balance, line.amount_currency
    line.move = move
    move.lines.append(line)
    return line


def product_sign(move_type: str) -> int:
    """Sign of product/tax line balances: credit (-1) on inbound documents, debit (+1) otherwise."""
    return -1 if move_type in INBOUND_TYPES else 1


def term_account(partner: Partner, company: Company, move_type: str) -> int:
    accounts = partner.receivable if move_type.startswith("out_") else partner.payable
    return accounts[company.id]


def add_invoice_lines(cat: Catalog, ids: IdSource, move: Move, items: Sequence[Item]) -> None:
    """Product lines, one tax line per tax, then payment-term lines that balance the move exactly."""
    sign = product_sign(move.move_type)
    partner_id = move.partner.commercial_id if move.partner else None
    taxes: dict[int, list[int]] = {}
    tax_by_id: dict[int, Tax] = {}
    for seq, item in enumerate(items, start=10):
        subtotal = div_round(item.quantity * item.price_unit * (100 - item.discount), 100)
        tax_amounts = [div_round(subtotal * tax.basis_points, 10_000) for tax in item.taxes]
        for tax, amount in zip(item.taxes, tax_amounts, strict=True):
            tax_by_id[tax.id] = tax
            acc = taxes.setdefault(tax.id, [0, 0])
            acc[0] += amount
            acc[1] += subtotal
        amount_currency = sign * subtotal
        make_line(
            cat,
            ids,
            move,
            account_id=item.account_id,
            display_type="product",
            balance=to_company(amount_currency, move.rate),
            amount_currency=amount_currency,
            currency_id=move.currency_id,
            name=item.name,
            partner_id=partner_id,
            product_id=item.product_id,
            quantity=item.quantity,
            price_unit=item.price_unit,
            discount=item.discount,
            price_subtotal=subtotal,
            price_total=subtotal + sum(tax_amounts),
            tax_ids=tuple(tax.id for tax in item.taxes),
            expense_id=item.expense_id,
            sequence=seq,
        )
    for tax_id, (amount, base) in taxes.items():
        tax = tax_by_id[tax_id]
        make_line(
            cat,
            ids,
            move,
            account_id=tax.account_id,
            display_type="tax",
            balance=to_company(sign * amount, move.rate),
            amount_currency=sign * amount,
            currency_id=move.currency_id,
            name=tax.name,
            partner_id=partner_id,
            tax_line_id=tax.id,
            tax_base_amount=to_company(base, move.rate),
            sequence=100,
        )
    add_term_lines(cat, ids, move)


def add_term_lines(cat: Catalog, ids: IdSource, move: Move) -> None:
    """Installments of the payment term; the last one takes the rounding so the move balances."""
    assert move.partner is not None and move.term is not None
    total_cur = -sum(line.amount_currency for line in move.lines)
    total_bal = -sum(line.balance for line in move.lines)
    base_day = move.invoice_date or move.date
    done_cur = done_bal = 0
    schedule = move.term.schedule
    for index, (percent, days) in enumerate(schedule):
        if index == len(schedule) - 1:
            cur, bal = total_cur - done_cur, total_bal - done_bal
        else:
            cur, bal = div_round(total_cur * percent, 100), div_round(total_bal * percent, 100)
        done_cur += cur
        done_bal += bal
        make_line(
            cat,
            ids,
            move,
            account_id=term_account(move.partner, move.company, move.move_type),
            display_type="payment_term",
            balance=bal,
            amount_currency=cur,
            currency_id=move.currency_id,
            name=move.payment_reference or "",
            partner_id=move.partner.commercial_id,
            date_maturity=base_day + dt.timedelta(days=days),
            sequence=200 + index,
        )


def add_reversed_lines(cat: Catalog, ids: IdSource, refund: Move, move: Move) -> None:
    """Odoo's reversal: the lines of ``move`` copied onto ``refund`` with debit and credit swapped."""
    for line in move.lines:
        make_line(
            cat,
            ids,
            refund,
            account_id=line.account_id,
            display_type=line.display_type,
            balance=-line.balance,
            amount_currency=-line.amount_currency,
            currency_id=line.currency_id,
            name=line.name,
            partner_id=line.partner_id,
            date_maturity=line.date_maturity,
            product_id=line.product_id,
            quantity=line.quantity,
            price_unit=line.price_unit,
            discount=line.discount,
            price_subtotal=line.price_subtotal,
            price_total=line.price_total,
            tax_line_id=line.tax_line_id,
            tax_base_amount=line.tax_base_amount,
            tax_ids=line.tax_ids,
            sequence=line.sequence,
        )


def add_expense_lines(cat: Catalog, ids: IdSource, move: Move, item: Item, bank_account_id: int | None) -> None:
    """A company-paid expense as an entry: the expense and its tax debited, the bank credited with the total."""
    assert move.partner is not None
    sign = product_sign("in_invoice")
    untaxed = item.quantity * item.price_unit
    tax = div_round(untaxed * item.taxes[0].basis_points, 10_000)
    for account_id, kind, amount, extra in (
        (
            item.account_id,
            "product",
            untaxed,
            {
                "expense_id": item.expense_id,
                "product_id": item.product_id,
                "quantity": item.quantity,
                "price_unit": item.price_unit,
            },
        ),
        (item.taxes[0].account_id, "tax", tax, {"tax_line_id": item.taxes[0].id}),
    ):
        make_line(
            cat,
            ids,
            move,
            account_id=account_id,
            display_type=kind,
            balance=to_company(sign * amount, move.rate),
            amount_currency=sign * amount,
            currency_id=move.currency_id,
            name=item.name,
            partner_id=move.partner.id,
            **extra,
        )
    make_line(
        cat,
        ids,
        move,
        account_id=bank_account_id,
        display_type="product",
        balance=-sum(line.balance for line in move.lines),
        amount_currency=-sign * (untaxed + tax),
        currency_id=move.currency_id,
        name=item.name,
        partner_id=move.partner.id,
    )
