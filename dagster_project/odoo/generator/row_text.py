"""COPY text of moves and move lines, written directly: the seed's hot path.

Each function gives exactly ``copy_text`` of the matching row of ``rows`` (``move_row``, ``line_row``), in
the same column order, without building a tuple per row and checking every value's type: what is the
same for all lines of a move is formatted once, amounts are formatted once and reused (debit, credit,
balance, amount in currency and residuals are often the same number). tests/odoo/test_row_text.py holds
the two forms equal.
"""

from __future__ import annotations

from dagster_project.odoo.generator.accounting import due_date, move_amounts
from dagster_project.odoo.generator.copytext import NULL, ZERO, money, rate_text, text
from dagster_project.odoo.generator.documents import Move


def move_text(move: Move) -> str:
    """The account_move row of ``move`` (``rows.move_row``) as one line of COPY text."""
    partner, uid, invoice = move.partner, move.uid, move.is_invoice
    created = move.created
    written = max(move.written or created, created)
    if partner is None:
        partner_ids = f"{NULL}\t{NULL}\t{NULL}"
    else:
        shipping = partner.id if move.move_type.startswith("out_") else NULL
        partner_ids = f"{partner.id}\t{partner.commercial_id}\t{shipping}"
    amounts = "\t".join(map(money, move_amounts(move)))
    return (
        f"{move.id}\t{uid}\t{created}\t{uid}\t{written}\t{text(move.name)}\t{text(move.ref)}\t{move.date}\t"
        f"{move.state}\t{move.move_type}\t{move.journal.id}\t{move.company.id}\t{_int(move.origin_payment_id)}\t"
        f"False\tno\t{move.checked}\t{move.posted_before}\tFalse\t{_date(move.invoice_date)}\t{due_date(move)}\t"
        f"{move.term.id if move.term else NULL}\t{partner_ids}\t{text(move.payment_reference)}\t"
        f"{move.currency_id}\t{rate_text(move.rate)}\t{amounts}\t{move.payment_state}\t"
        f"{_int(move.reversed_entry_id)}\t{text(partner.name) if partner and invoice else NULL}\tFalse\t"
        f"{text(move.narration)}\t{move.is_move_sent}\t{uid if invoice else NULL}\t{text(move.sequence_prefix)}\t"
        f"{move.sequence_number}\n"
    )


def lines_text(move: Move) -> list[str]:
    """The account_move_line rows of ``move`` (``rows.line_row``), one line of COPY text each."""
    created = move.created
    written_default = move.written or created
    audit = f"{move.uid}\t{created}\t{move.uid}\t"
    header = (
        f"{move.id}\t{move.journal.id}\t{move.company.id}\t{move.company.currency_id}\t{text(move.name)}\t"
        f"{move.state}\t{move.date}\t{_date(move.invoice_date)}\t{text(move.ref)}\tFalse\t"
    )
    invoice = move.is_invoice
    out = []
    for line in move.lines:
        written = max(line.written or written_default, created)
        balance, amount_currency = line.balance, line.amount_currency
        balance_text = money(balance)
        currency_text = balance_text if amount_currency == balance else money(amount_currency)
        residual, residual_cur = line.residual, line.residual_cur
        residual_text = ZERO if not residual else balance_text if residual == balance else money(residual)
        residual_cur_text = (
            ZERO if not residual_cur else currency_text if residual_cur == amount_currency else money(residual_cur)
        )
        base = line.tax_base_amount
        maturity = _date(line.date_maturity)
        if invoice and line.display_type == "product":
            product = (
                f"1\t{_int(line.quantity)}\t{maturity}\t{money(line.price_unit)}\t"  # type: ignore[arg-type]
                f"{money(line.price_subtotal)}\t{money(line.price_total)}\t"  # type: ignore[arg-type]
            )
        else:
            product = f"{NULL}\t{NULL}\t{maturity}\t{ZERO}\t{ZERO}\t{ZERO}\t"
        out.append(
            f"{line.id}\t{audit}{written}\t{header}{line.sequence}\t{_int(line.account_id)}\t{text(line.name)}\t"
            f"{balance_text if balance > 0 else ZERO}\t{balance_text[1:] if balance < 0 else ZERO}\t{balance_text}\t"
            f"{currency_text}\t{line.currency_id}\t{_int(line.partner_id)}\tFalse\t{_int(line.payment_id)}\t"
            f"{_int(line.tax_line_id)}\t{NULL if base is None else money(base)}\t{residual_text}\t"
            f"{residual_cur_text}\t{line.reconciled}\t{_int(line.full_id)}\t{text(line.matching)}\t"
            f"{line.display_type}\t{_int(line.product_id)}\t{product}{line.discount}\t{ZERO}\t{ZERO}\t100\tFalse\t"
            f"{_int(line.expense_id)}\n"
        )
    return out


def _int(value: int | None) -> str | int:
    return NULL if value is None else value


def _date(value: object) -> object:
    return NULL if value is None else value
