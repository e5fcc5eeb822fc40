"""Business documents in memory: moves with their lines, payments, partial reconciliations, and the batch
of them waiting to be written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dagster_project.odoo.generator.catalog import Company, Journal, Partner, Tax, Term
from dagster_project.odoo.generator.specs import ADMIN_UID, INVOICE_TYPES


@dataclass(slots=True)
class Line:
    id: int
    account_id: int
    display_type: str
    balance: int
    amount_currency: int
    currency_id: int
    name: str
    partner_id: int | None
    residual: int = 0
    residual_cur: int = 0
    date_maturity: dt.date | None = None
    product_id: int | None = None
    quantity: int | None = None
    price_unit: int | None = None
    discount: int = 0
    price_subtotal: int | None = None
    price_total: int | None = None
    tax_line_id: int | None = None
    tax_base_amount: int | None = None
    tax_ids: tuple[int, ...] = ()
    payment_id: int | None = None
    expense_id: int | None = None
    sequence: int = 10
    full_id: int | None = None
    matching: str | None = None
    written: str | None = None
    move: Move | None = None
    tracked: bool = False

    @property
    def reconciled(self) -> bool:
        """Odoo's ``reconciled``: a line with a tracked residual that is settled in both currencies."""
        return self.tracked and self.residual == 0 and self.residual_cur == 0


@dataclass(slots=True)
class Move:
    id: int
    move_type: str
    company: Company
    journal: Journal
    date: dt.date
    currency_id: int
    rate: int
    partner: Partner | None
    created: str
    uid: int = ADMIN_UID
    state: str = "draft"
    name: str = "/"
    invoice_date: dt.date | None = None
    term: Term | None = None
    ref: str | None = None
    payment_reference: str | None = None
    narration: str | None = None
    lines: list[Line] = field(default_factory=list)
    reversed_entry_id: int | None = None
    origin_payment_id: int | None = None
    payment_state: str = "not_paid"
    sequence_prefix: str = "/"
    sequence_number: int = 0
    posted_before: bool = False
    checked: bool = False
    is_move_sent: bool = False
    written: str | None = None

    @property
    def is_invoice(self) -> bool:
        return self.move_type in INVOICE_TYPES

    def term_lines(self) -> list[Line]:
        return [line for line in self.lines if line.display_type == "payment_term"]


@dataclass(slots=True)
class Payment:
    id: int
    move: Move
    amount: int
    payment_type: str
    partner_type: str
    state: str
    is_matched: bool
    memo: str
    outstanding_account_id: int
    destination_account_id: int

    @property
    def counterpart(self) -> Line:
        return self.move.lines[1]


@dataclass(slots=True)
class Partial:
    id: int
    debit: Line
    credit: Line
    amount: int
    debit_amount_currency: int
    credit_amount_currency: int
    company_id: int
    max_date: dt.date
    created: str
    full_id: int | None = None
    exchange_move_id: int | None = None


@dataclass(frozen=True)
class Item:
    """One invoice line as a user types it."""

    product_id: int | None
    name: str
    quantity: int
    price_unit: int
    discount: int
    account_id: int
    taxes: tuple[Tax, ...]
    expense_id: int | None = None


@dataclass
class Counterpart:
    """What an invoice's receivable/payable line is reconciled with, as payment_state needs it."""

    move_type: str
    is_payment: bool
    payment_matched: bool


@dataclass(slots=True)
class Expense:
    """An hr_expense (Odoo 19 has no expense sheets); amounts in its currency, ``rate`` to company currency."""

    id: int
    name: str
    date: dt.date
    employee_id: int
    company_id: int
    product_id: int
    quantity: int
    price_unit: int
    untaxed: int
    tax: int
    rate: int
    currency_id: int
    account_id: int
    tax_id: int
    state: str
    approval: str | None
    company_paid: bool
    created: str
    written: str
    move_id: int | None


@dataclass
class Batch:
    """Generated objects waiting to be written."""

    moves: list[Move] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    partials: list[Partial] = field(default_factory=list)
    fulls: list[tuple[int, str]] = field(default_factory=list)
    invoice_payments: list[tuple[int, int]] = field(default_factory=list)
    expenses: list[Expense] = field(default_factory=list)
    line_count: int = 0
