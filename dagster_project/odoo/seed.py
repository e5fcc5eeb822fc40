"""Fill a generated Odoo 19 finance database by Odoo's business rules.

The accounting engine here (invoices, payments, reconciliation, exchange differences, move amounts and
payment states) is shared with ``simulate``, so seeded and simulated activity obey the same rules.
Amounts are integer cents; rates are integers scaled by ``RATE_SCALE``. Everything derives from
``random.Random(seed)`` and ``today``, so a (scale, seed, today) triple gives byte-identical tables.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import psycopg
from psycopg import sql

from dagster_project.odoo import schema

Progress = Callable[[str], None]
RATE_SCALE = 10**10
HISTORY_DAYS = 540
STORIES_PER_SCALE = 7_800
CHUNK_LINES = 25_000
ADMIN_UID = 2
USER_UIDS = (2, 6, 7, 8, 9)
ZERO = "0.00"
INBOUND_TYPES = frozenset({"out_invoice", "in_refund", "out_receipt"})
INVOICE_TYPES = frozenset({"out_invoice", "out_refund", "in_invoice", "in_refund", "out_receipt", "in_receipt"})
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

# ---------------------------------------------------------------------------------------------------
# Static specifications: currencies, companies, chart of accounts, journals, taxes, terms, products.
# ---------------------------------------------------------------------------------------------------

CURRENCIES = (  # name, full name, symbol, ISO numeric, position
    ("PHP", "Philippine peso", "₱", 608, "before"),
    ("USD", "United States dollar", "$", 840, "before"),
    ("EUR", "Euro", "€", 978, "after"),
)
# Units of each currency per 1 PHP / per 1 USD on the first day; a daily random walk follows.
START_RATES = {"PHP": {"USD": 0.0178, "EUR": 0.0161}, "USD": {"PHP": 56.20, "EUR": 0.905}}


@dataclass(frozen=True)
class CompanySpec:
    id: int
    name: str
    currency: str
    parent_id: int | None
    city: str
    chart: str
    journal_prefix: str


COMPANIES = (
    CompanySpec(1, "Hybrid Finance PH Inc.", "PHP", None, "Makati", "ph", ""),
    CompanySpec(2, "Hybrid Finance US LLC", "USD", None, "Austin", "generic_coa", ""),
    CompanySpec(3, "Hybrid Finance PH - Cebu Branch", "PHP", 1, "Cebu City", "ph", "C"),
)
COMPANY_WEIGHTS = (0.5, 0.35, 0.15)

# role, code, name, account type, reconcile, currency (None = company currency)
CHART = (
    ("bank", "101401", "Bank", "asset_cash", False, None),
    ("bank_foreign", "101402", "Bank USD", "asset_cash", False, "USD"),
    ("branch_bank", "101403", "Bank Cebu", "asset_cash", False, None),
    ("cash", "101501", "Cash", "asset_cash", False, None),
    ("outstanding_receipts", "101301", "Outstanding Receipts", "asset_current", True, None),
    ("outstanding_payments", "101302", "Outstanding Payments", "asset_current", True, None),
    ("receivable", "121000", "Account Receivable", "asset_receivable", True, None),
    ("tax_paid", "131000", "Tax Paid", "asset_current", False, None),
    ("prepayments", "141000", "Prepayments", "asset_prepayments", False, None),
    ("fixed", "151000", "Fixed Asset", "asset_fixed", False, None),
    ("payable", "211000", "Account Payable", "liability_payable", True, None),
    ("tax_received", "251000", "Tax Received", "liability_current", False, None),
    ("accrued", "252000", "Accrued Expenses", "liability_current", False, None),
    ("loan", "291000", "Long-term Loan", "liability_non_current", False, None),
    ("equity", "301000", "Capital", "equity", False, None),
    ("unaffected", "999999", "Undistributed Profits/Losses", "equity_unaffected", False, None),
    ("income", "400000", "Product Sales", "income", False, None),
    ("income_service", "400100", "Service Revenue", "income", False, None),
    ("fx_gain", "441000", "Foreign Exchange Gain", "income_other", False, None),
    ("cogs", "500000", "Cost of Goods Sold", "expense_direct_cost", False, None),
    ("expense", "600000", "Expenses", "expense", False, None),
    ("travel", "610000", "Travel and Accommodation", "expense", False, None),
    ("meals", "620000", "Meals and Representation", "expense", False, None),
    ("rent", "630000", "Rent Expense", "expense", False, None),
    ("utilities", "640000", "Utilities", "expense", False, None),
    ("salaries", "650000", "Salaries and Wages", "expense", False, None),
    ("fx_loss", "641000", "Foreign Exchange Loss", "expense_other", False, None),
    ("depreciation", "680000", "Depreciation", "expense_depreciation", False, None),
)
ACCOUNT_FR = {"bank": "Banque", "cash": "Caisse", "receivable": "Clients", "payable": "Fournisseurs"}

# role, code, name, type, default account role, foreign currency
JOURNALS = (
    ("sale", "INV", "Customer Invoices", "sale", "income", None),
    ("purchase", "BILL", "Vendor Bills", "purchase", "expense", None),
    ("bank", "BNK1", "Bank", "bank", "bank", None),
    ("bank_foreign", "BNK2", "Bank USD", "bank", "bank_foreign", "USD"),
    ("cash", "CSH1", "Cash", "cash", "cash", None),
    ("misc", "MISC", "Miscellaneous Operations", "general", None, None),
    ("exch", "EXCH", "Exchange Difference", "general", None, None),
)

# company currency -> (role, name, type_tax_use, percent in basis points, account role)
TAXES = {
    "PHP": (
        ("sale", "12% VAT", "sale", 1200, "tax_received"),
        ("purchase", "12% VAT", "purchase", 1200, "tax_paid"),
        ("exempt", "VAT Exempt", "sale", 0, "tax_received"),
    ),
    "USD": (
        ("sale", "Sales Tax 8.25%", "sale", 825, "tax_received"),
        ("purchase", "Purchase Tax 5%", "purchase", 500, "tax_paid"),
    ),
}

TERMS = (  # name, ((percent, days), ...)
    ("Immediate Payment", ((100, 0),)),
    ("15 Days", ((100, 15),)),
    ("30 Days", ((100, 30),)),
    ("45 Days", ((100, 45),)),
    ("60 Days", ((100, 60),)),
    ("30% Now, Balance 60 Days", ((30, 0), (70, 60))),
)
TERM_WEIGHTS = (1, 3, 6, 3, 2, 1)

# name, type, list price in PHP cents, use, account role
PRODUCTS = (
    ("Office Chair", "consu", 450_000, "sale", "income"),
    ("Standing Desk", "consu", 1_890_000, "sale", "income"),
    ("Monitor 27in", "consu", 1_250_000, "sale", "income"),
    ("Laptop Stand", "consu", 189_000, "sale", "income"),
    ("Conference Table", "consu", 3_400_000, "sale", "income"),
    ("Filing Cabinet", "consu", 780_000, "sale", "income"),
    ("Consulting Hour", "service", 350_000, "sale", "income_service"),
    ("Implementation Package", "service", 12_000_000, "sale", "income_service"),
    ("Support Subscription", "service", 2_500_000, "sale", "income_service"),
    ("Training Day", "service", 4_500_000, "sale", "income_service"),
    ("Office Supplies", "consu", 85_000, "purchase", "expense"),
    ("Cloud Hosting", "service", 2_200_000, "purchase", "utilities"),
    ("Electricity", "service", 3_800_000, "purchase", "utilities"),
    ("Office Rent", "service", 18_000_000, "purchase", "rent"),
    ("Raw Materials", "consu", 960_000, "purchase", "cogs"),
    ("Freight", "service", 540_000, "purchase", "cogs"),
    ("Legal Services", "service", 6_500_000, "purchase", "expense"),
    ("Travel", "service", 650_000, "expense", "travel"),
    ("Meals", "service", 120_000, "expense", "meals"),
    ("Mileage", "service", 30_000, "expense", "travel"),
    ("Accommodation", "service", 480_000, "expense", "travel"),
    ("Communication", "service", 150_000, "expense", "utilities"),
)

_WORDS_A = (
    "Luzon",
    "Visayas",
    "Pacific",
    "Golden",
    "Summit",
    "Harbor",
    "Northstar",
    "Bayanihan",
    "Metro",
    "Silver",
    "Coral",
    "Evergreen",
    "Apex",
    "Sampaguita",
    "Mabuhay",
    "Lakeside",
    "Ironwood",
    "Blue",
)
_WORDS_B = (
    "Trading",
    "Logistics",
    "Foods",
    "Systems",
    "Builders",
    "Retail",
    "Digital",
    "Motors",
    "Textiles",
    "Pharma",
    "Energy",
    "Holdings",
    "Supplies",
    "Ventures",
    "Labs",
    "Printing",
    "Farms",
    "Marine",
)
_SUFFIX = ("Corp.", "Inc.", "Co.", "LLC", "Enterprises", "Group")
_FIRST = (
    "Maria",
    "Jose",
    "Ana",
    "Juan",
    "Carla",
    "Miguel",
    "Liza",
    "Paolo",
    "Grace",
    "Ramon",
    "Joy",
    "Mark",
    "Emily",
    "James",
    "Sofia",
    "Daniel",
    "Nina",
    "Leo",
    "Rosa",
    "Victor",
)
_LAST = (
    "Santos",
    "Reyes",
    "Cruz",
    "Bautista",
    "Garcia",
    "Mendoza",
    "Torres",
    "Flores",
    "Smith",
    "Johnson",
    "Lee",
    "Walker",
    "Dela Cruz",
    "Villanueva",
    "Ramos",
    "Aquino",
)
_BILL_PREFIXES = ("SI", "INV", "BL", "OR", "CI", "FAC")


# ---------------------------------------------------------------------------------------------------
# Numbers, dates and COPY text.
# ---------------------------------------------------------------------------------------------------


def money(cents: int) -> str:
    """Cents as a numeric literal with two decimals (exact, no float)."""
    units, hundredths = divmod(abs(cents), 100)
    return f"-{units}.{hundredths:02d}" if cents < 0 else f"{units}.{hundredths:02d}"


def div_round(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, like Odoo's float_round (denominator > 0)."""
    quotient = (2 * abs(numerator) + denominator) // (2 * denominator)
    return quotient if numerator >= 0 else -quotient


def to_company(amount: int, rate: int) -> int:
    """Document-currency cents to company-currency cents; ``rate`` = document units per company unit."""
    return div_round(amount * RATE_SCALE, rate)


def rate_text(rate: int) -> str:
    units, fraction = divmod(rate, RATE_SCALE)
    return f"{units}.{fraction:010d}"


def stamp(day: dt.date, key: int) -> str:
    """A deterministic office-hours timestamp on ``day``, spread by ``key``."""
    seconds = 8 * 3600 + (key * 7919) % 32400
    return f"{day.isoformat()} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def jtext(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def translated(en: str, **others: str) -> str:
    return jtext({"en_US": en, **others})


def copy_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as COPY text format: tab separated, backslash escapes, ``\\N`` for NULL (inlined: hot path)."""
    text, escapes = str, _COPY_ESCAPES
    return "".join(
        [
            "\t".join(
                [
                    "\\N"
                    if v is None
                    else str(v)
                    if v.__class__ is not text
                    else v.translate(escapes)
                    if "\\" in v or not v.isprintable()
                    else v  # type: ignore[union-attr]
                    for v in row
                ]
            )
            + "\n"
            for row in rows
        ]
    )


# ---------------------------------------------------------------------------------------------------
# Master data ("catalog"): what documents are made of.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Journal:
    id: int
    company_id: int
    code: str
    name: str
    type: str
    default_account_id: int | None
    currency_id: int | None


@dataclass(frozen=True)
class Tax:
    id: int
    company_id: int
    name: str
    use: str
    basis_points: int
    account_id: int


@dataclass(frozen=True)
class Term:
    id: int
    name: str
    schedule: tuple[tuple[int, int], ...]


@dataclass
class Company:
    id: int
    name: str
    root_id: int
    currency_id: int
    partner_id: int
    accounts: dict[str, int]
    journals: dict[str, Journal]
    taxes: dict[str, Tax]


@dataclass
class Partner:
    id: int
    name: str
    commercial_id: int
    kind: str
    receivable: dict[int, int] = field(default_factory=dict)
    payable: dict[int, int] = field(default_factory=dict)
    customer_rank: int = 0
    supplier_rank: int = 0
    bills: int = 0


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    price: int
    use: str
    account_role: str


@dataclass(frozen=True)
class Employee:
    id: int
    name: str
    company_id: int
    partner: Partner


@dataclass
class Catalog:
    currencies: dict[str, int]
    companies: dict[int, Company]
    terms: list[Term]
    products: dict[str, list[Product]]
    customers: list[Partner]
    vendors: list[Partner]
    employees: dict[int, list[Employee]]
    contacts: dict[int, list[Partner]]
    residual_accounts: frozenset[int]
    account_types: dict[int, str]


class Counters:
    """Sequential ids per table, as a fresh Odoo database hands them out."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        value = self.last.get(table, 0) + 1
        self.last[table] = value
        return value


IdSource = Callable[[str], int]


# ---------------------------------------------------------------------------------------------------
# Documents in memory.
# ---------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------
# The accounting engine.
# ---------------------------------------------------------------------------------------------------


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


def move_amounts(move: Move) -> tuple[int, ...]:
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
    return (
        sign * untaxed_cur,
        sign * tax_cur,
        amount_total,
        -sign * residual_cur,
        -untaxed,
        -untaxed_cur,
        -tax,
        abs(total) if move.move_type == "entry" else -total,
        abs(amount_total) if move.move_type == "entry" else -(sign * amount_total),
        residual,
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


# ---------------------------------------------------------------------------------------------------
# Rows (column order shared by COPY and INSERT).
# ---------------------------------------------------------------------------------------------------

MOVE_COLUMNS = (
    "id",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "name",
    "ref",
    "date",
    "state",
    "move_type",
    "journal_id",
    "company_id",
    "origin_payment_id",
    "always_tax_exigible",
    "auto_post",
    "checked",
    "posted_before",
    "made_sequence_gap",
    "invoice_date",
    "invoice_date_due",
    "invoice_payment_term_id",
    "partner_id",
    "commercial_partner_id",
    "partner_shipping_id",
    "payment_reference",
    "currency_id",
    "invoice_currency_rate",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "amount_residual",
    "amount_untaxed_signed",
    "amount_untaxed_in_currency_signed",
    "amount_tax_signed",
    "amount_total_signed",
    "amount_total_in_currency_signed",
    "amount_residual_signed",
    "payment_state",
    "reversed_entry_id",
    "invoice_partner_display_name",
    "is_manually_modified",
    "narration",
    "is_move_sent",
    "invoice_user_id",
    "sequence_prefix",
    "sequence_number",
)
MOVE_AMOUNT_COLUMNS = MOVE_COLUMNS[27:37]

LINE_COLUMNS = (
    "id",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "move_id",
    "journal_id",
    "company_id",
    "company_currency_id",
    "move_name",
    "parent_state",
    "date",
    "invoice_date",
    "ref",
    "is_storno",
    "sequence",
    "account_id",
    "name",
    "debit",
    "credit",
    "balance",
    "amount_currency",
    "currency_id",
    "partner_id",
    "is_imported",
    "payment_id",
    "tax_line_id",
    "tax_base_amount",
    "amount_residual",
    "amount_residual_currency",
    "reconciled",
    "full_reconcile_id",
    "matching_number",
    "display_type",
    "product_id",
    "product_uom_id",
    "quantity",
    "date_maturity",
    "price_unit",
    "price_subtotal",
    "price_total",
    "discount",
    "discount_amount_currency",
    "discount_balance",
    "deductible_amount",
    "no_followup",
    "expense_id",
)
PARTIAL_COLUMNS = (
    "id",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "debit_move_id",
    "credit_move_id",
    "full_reconcile_id",
    "exchange_move_id",
    "debit_currency_id",
    "credit_currency_id",
    "amount",
    "debit_amount_currency",
    "credit_amount_currency",
    "company_id",
    "max_date",
)
FULL_COLUMNS = ("id", "create_uid", "create_date", "write_uid", "write_date")
PAYMENT_COLUMNS = (
    "id",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "name",
    "date",
    "move_id",
    "journal_id",
    "company_id",
    "state",
    "is_reconciled",
    "is_matched",
    "is_sent",
    "amount",
    "payment_type",
    "partner_type",
    "memo",
    "currency_id",
    "partner_id",
    "outstanding_account_id",
    "destination_account_id",
    "amount_company_currency_signed",
)


def move_row(move: Move) -> tuple[object, ...]:
    partner = move.partner
    written = max(move.written or move.created, move.created)
    invoice = move.is_invoice
    return (
        move.id,
        move.uid,
        move.created,
        move.uid,
        written,
        move.name,
        move.ref,
        move.date,
        move.state,
        move.move_type,
        move.journal.id,
        move.company.id,
        move.origin_payment_id,
        False,
        "no",
        move.checked,
        move.posted_before,
        False,
        move.invoice_date,
        due_date(move),
        move.term.id if move.term else None,
        partner.id if partner else None,
        partner.commercial_id if partner else None,
        partner.id if partner and move.move_type.startswith("out_") else None,
        move.payment_reference,
        move.currency_id,
        rate_text(move.rate),
        *map(money, move_amounts(move)),
        move.payment_state,
        move.reversed_entry_id,
        partner.name if partner and invoice else None,
        False,
        move.narration,
        move.is_move_sent,
        move.uid if invoice else None,
        move.sequence_prefix,
        move.sequence_number,
    )


def line_row(move: Move, line: Line) -> tuple[object, ...]:
    balance = line.balance
    product = line.display_type == "product" and move.is_invoice
    written = max(line.written or move.written or move.created, move.created)
    return (
        line.id,
        move.uid,
        move.created,
        move.uid,
        written,
        move.id,
        move.journal.id,
        move.company.id,
        move.company.currency_id,
        move.name,
        move.state,
        move.date,
        move.invoice_date,
        move.ref,
        False,
        line.sequence,
        line.account_id,
        line.name,
        money(balance) if balance > 0 else ZERO,
        money(-balance) if balance < 0 else ZERO,
        money(balance),
        money(line.amount_currency),
        line.currency_id,
        line.partner_id,
        False,
        line.payment_id,
        line.tax_line_id,
        None if line.tax_base_amount is None else money(line.tax_base_amount),
        money(line.residual),
        money(line.residual_cur),
        line.reconciled,
        line.full_id,
        line.matching,
        line.display_type,
        line.product_id,
        1 if product else None,
        line.quantity if product else None,
        line.date_maturity,
        money(line.price_unit) if product else ZERO,  # type: ignore[arg-type]
        money(line.price_subtotal) if product else ZERO,  # type: ignore[arg-type]
        money(line.price_total) if product else ZERO,  # type: ignore[arg-type]
        line.discount,
        ZERO,
        ZERO,
        100,
        False,
        line.expense_id,
    )


def partial_row(partial: Partial) -> tuple[object, ...]:
    return (
        partial.id,
        ADMIN_UID,
        partial.created,
        ADMIN_UID,
        partial.created,
        partial.debit.id,
        partial.credit.id,
        partial.full_id,
        partial.exchange_move_id,
        partial.debit.currency_id,
        partial.credit.currency_id,
        money(partial.amount),
        money(partial.debit_amount_currency),
        money(partial.credit_amount_currency),
        partial.company_id,
        partial.max_date,
    )


def payment_row(payment: Payment) -> tuple[object, ...]:
    move = payment.move
    written = move.written or move.created
    return (
        payment.id,
        move.uid,
        move.created,
        move.uid,
        written,
        move.name,
        move.date,
        move.id,
        move.journal.id,
        move.company.id,
        payment.state,
        payment.counterpart.reconciled,
        payment.is_matched,
        False,
        money(payment.amount),
        payment.payment_type,
        payment.partner_type,
        payment.memo,
        move.currency_id,
        move.partner.id if move.partner else None,
        payment.outstanding_account_id,
        payment.destination_account_id,
        money(move.lines[0].balance),
    )


# ---------------------------------------------------------------------------------------------------
# Building the catalog for a seed.
# ---------------------------------------------------------------------------------------------------


@dataclass
class StaticRows:
    """Rows of the small tables, keyed by table, with their column lists."""

    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rows: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)

    def add(self, table: str, columns: tuple[str, ...], row: tuple[object, ...]) -> None:
        self.columns.setdefault(table, columns)
        self.rows.setdefault(table, []).append(row)


def audit(created: str) -> tuple[object, ...]:
    return (ADMIN_UID, created, ADMIN_UID, created)


class CatalogBuilder:
    """Master data of a seed: ids in creation order, rows for the small tables, the Catalog to use."""

    def __init__(self, rng: random.Random, ids: Counters, scale: int, start: dt.date) -> None:
        self.rng, self.ids, self.scale, self.start = rng, ids, scale, start
        self.created = f"{(start - dt.timedelta(days=30)).isoformat()} 08:00:00"
        self.out = StaticRows()
        self.partners: list[Partner] = []
        self.partner_rows: dict[int, dict[str, object]] = {}

    def build(self) -> Catalog:
        currencies = self.currencies()
        companies = self.companies(currencies)
        terms = self.terms()
        products = self.products(companies)
        customers, vendors, contacts = self.trade_partners(companies)
        employees = self.employees(companies)
        residual = frozenset(
            acc
            for acc, kind in self.account_types.items()
            if kind in ("asset_cash", "liability_credit_card") or acc in self.reconcilable
        )
        return Catalog(
            currencies,
            companies,
            terms,
            products,
            customers,
            vendors,
            employees,
            contacts,
            residual,
            dict(self.account_types),
        )

    def currencies(self) -> dict[str, int]:
        ids = {}
        for name, full_name, symbol, numeric, position in CURRENCIES:
            ids[name] = self.ids("res_currency")
            self.out.add(
                "res_currency",
                (
                    "id",
                    "create_uid",
                    "create_date",
                    "write_uid",
                    "write_date",
                    "name",
                    "iso_numeric",
                    "full_name",
                    "symbol",
                    "rounding",
                    "decimal_places",
                    "active",
                    "position",
                    "currency_unit_label",
                    "currency_subunit_label",
                ),
                (
                    ids[name],
                    *audit(self.created),
                    name,
                    numeric,
                    full_name,
                    symbol,
                    "0.01",
                    2,
                    True,
                    position,
                    translated(full_name.split()[-1].capitalize()),
                    translated("Cents"),
                ),
            )
        return ids

    def companies(self, currencies: dict[str, int]) -> dict[int, Company]:
        self.account_types: dict[int, str] = {}
        self.reconcilable: set[int] = set()
        charts: dict[int, dict[str, int]] = {}
        companies = {}
        for spec in COMPANIES:
            root = spec.parent_id or spec.id
            partner = self.company_partner(spec)
            if root not in charts:
                charts[root] = self.chart(spec, currencies)
            accounts = dict(charts[root])
            if spec.parent_id:
                accounts["bank"] = accounts["branch_bank"]
            for account_id in set(charts[root].values()):
                self.out.add(
                    "account_account_res_company_rel", ("account_account_id", "res_company_id"), (account_id, spec.id)
                )
            root_currency = COMPANIES[root - 1].currency
            journals = self.journals(spec, accounts, currencies, root_currency)
            taxes = self.taxes(spec, accounts, root, companies)
            companies[spec.id] = Company(
                spec.id, spec.name, root, currencies[spec.currency], partner.id, accounts, journals, taxes
            )
            self.company_row(spec, companies[spec.id], currencies)
        return companies

    def company_partner(self, spec: CompanySpec) -> Partner:
        partner = Partner(self.ids("res_partner"), spec.name, 0, "company")
        partner.commercial_id = partner.id
        self.partners.append(partner)
        self.partner_rows[partner.id] = {
            "is_company": True,
            "city": spec.city,
            "ref": None,
            "email": f"accounting@{spec.city.lower().replace(' ', '')}.example.com",
            "vat": None,
            "parent_id": None,
            "company_id": spec.id,
            "type": "contact",
        }
        return partner

    def chart(self, spec: CompanySpec, currencies: dict[str, int]) -> dict[str, int]:
        accounts = {}
        for role, code, name, kind, reconcile, currency in CHART:
            if role in ("bank_foreign", "branch_bank") and spec.currency != "PHP":
                continue
            account_id = self.ids("account_account")
            accounts[role] = account_id
            self.account_types[account_id] = kind
            if reconcile:
                self.reconcilable.add(account_id)
            names = {"fr_FR": ACCOUNT_FR[role]} if role in ACCOUNT_FR else {}
            self.out.add(
                "account_account",
                (
                    "id",
                    "create_uid",
                    "create_date",
                    "write_uid",
                    "write_date",
                    "name",
                    "description",
                    "currency_id",
                    "code_store",
                    "active",
                    "account_type",
                    "reconcile",
                    "note",
                    "non_trade",
                ),
                (
                    account_id,
                    *audit(self.created),
                    translated(name, **names),
                    None,
                    currencies[currency] if currency else None,
                    jtext({str(spec.id): code}),
                    True,
                    kind,
                    reconcile,
                    None,
                    False,
                ),
            )
        return accounts

    def journals(
        self, spec: CompanySpec, accounts: dict[str, int], currencies: dict[str, int], root_currency: str
    ) -> dict[str, Journal]:
        journals = {}
        for sequence, (role, code, name, kind, account_role, currency) in enumerate(JOURNALS, start=1):
            if role == "bank_foreign" and (spec.parent_id or root_currency != "PHP"):
                continue
            journal = Journal(
                self.ids("account_journal"),
                spec.id,
                spec.journal_prefix + code,
                name,
                kind,
                accounts[account_role] if account_role else None,
                currencies[currency] if currency else None,
            )
            journals[role] = journal
            self.out.add(
                "account_journal",
                (
                    "id",
                    "create_uid",
                    "create_date",
                    "write_uid",
                    "write_date",
                    "name",
                    "code",
                    "active",
                    "type",
                    "is_self_billing",
                    "default_account_id",
                    "restrict_mode_hash_table",
                    "sequence",
                    "invoice_reference_type",
                    "invoice_reference_model",
                    "currency_id",
                    "company_id",
                    "refund_sequence",
                    "payment_sequence",
                    "show_on_dashboard",
                    "color",
                    "bank_statements_source",
                ),
                (
                    journal.id,
                    *audit(self.created),
                    translated(name),
                    journal.code,
                    True,
                    kind,
                    False,
                    journal.default_account_id,
                    kind in ("sale", "purchase"),
                    sequence,
                    "invoice",
                    "odoo",
                    journal.currency_id,
                    spec.id,
                    kind in ("sale", "purchase"),
                    kind in ("bank", "cash"),
                    True,
                    sequence % 12,
                    "undefined" if kind == "bank" else None,
                ),
            )
        return journals

    def taxes(
        self, spec: CompanySpec, accounts: dict[str, int], root: int, companies: dict[int, Company]
    ) -> dict[str, Tax]:
        if spec.parent_id:  # branches use their parent company's taxes
            return companies[root].taxes
        taxes = {}
        for sequence, (role, name, use, points, account_role) in enumerate(TAXES[spec.currency], start=1):
            tax = Tax(self.ids("account_tax"), spec.id, name, use, points, accounts[account_role])
            taxes[role] = tax
            self.out.add(
                "account_tax",
                (
                    "id",
                    "create_uid",
                    "create_date",
                    "write_uid",
                    "write_date",
                    "name",
                    "type_tax_use",
                    "tax_scope",
                    "amount_type",
                    "active",
                    "company_id",
                    "sequence",
                    "amount",
                    "description",
                    "invoice_label",
                    "price_include_override",
                    "include_base_amount",
                    "is_base_affected",
                    "analytic",
                    "tax_group_id",
                    "tax_exigibility",
                    "cash_basis_transition_account_id",
                    "country_id",
                ),
                (
                    tax.id,
                    *audit(self.created),
                    translated(name),
                    use,
                    None,
                    "percent",
                    True,
                    spec.id,
                    sequence,
                    f"{points // 100}.{points % 100:02d}",
                    None,
                    translated(name),
                    "tax_excluded",
                    False,
                    True,
                    False,
                    None,
                    "on_invoice",
                    None,
                    None,
                ),
            )
        return taxes

    def company_row(self, spec: CompanySpec, company: Company, currencies: dict[str, int]) -> None:
        parent_path = f"{spec.parent_id}/{spec.id}/" if spec.parent_id else f"{spec.id}/"
        acc, jr = company.accounts, company.journals
        self.out.add(
            "res_company",
            (
                "id",
                "create_uid",
                "create_date",
                "write_uid",
                "write_date",
                "name",
                "active",
                "sequence",
                "parent_id",
                "parent_path",
                "partner_id",
                "currency_id",
                "email",
                "uses_default_logo",
                "fiscalyear_last_day",
                "fiscalyear_last_month",
                "chart_template",
                "bank_account_code_prefix",
                "cash_account_code_prefix",
                "transfer_account_code_prefix",
                "account_sale_tax_id",
                "account_purchase_tax_id",
                "tax_calculation_rounding_method",
                "currency_exchange_journal_id",
                "income_currency_exchange_account_id",
                "expense_currency_exchange_account_id",
                "anglo_saxon_accounting",
                "account_storno",
                "quick_edit_mode",
                "income_account_id",
                "expense_account_id",
                "expense_journal_id",
                "autopost_bills",
                "restrictive_audit_trail",
            ),
            (
                company.id,
                *audit(self.created),
                spec.name,
                True,
                spec.id * 10,
                spec.parent_id,
                parent_path,
                company.partner_id,
                currencies[spec.currency],
                f"accounting@{spec.city.lower().replace(' ', '')}.example.com",
                True,
                31,
                "12",
                spec.chart,
                "1014",
                "1015",
                "1017",
                company.taxes["sale"].id,
                company.taxes["purchase"].id,
                "round_per_line",
                jr["exch"].id,
                acc["fx_gain"],
                acc["fx_loss"],
                False,
                False,
                None,
                acc["income"],
                acc["expense"],
                jr["purchase"].id,
                True,
                False,
            ),
        )

    def terms(self) -> list[Term]:
        terms = []
        for sequence, (name, schedule) in enumerate(TERMS, start=1):
            term = Term(self.ids("account_payment_term"), name, schedule)
            terms.append(term)
            self.out.add(
                "account_payment_term",
                (
                    "id",
                    "create_uid",
                    "create_date",
                    "write_uid",
                    "write_date",
                    "name",
                    "active",
                    "note",
                    "display_on_invoice",
                    "sequence",
                    "company_id",
                    "early_discount",
                    "discount_percentage",
                    "discount_days",
                    "early_pay_discount_computation",
                ),
                (
                    term.id,
                    *audit(self.created),
                    translated(name),
                    True,
                    translated(f"<p>Payment terms: {name}</p>"),
                    True,
                    sequence,
                    None,
                    False,
                    2.0,
                    10,
                    "included",
                ),
            )
        return terms

    def products(self, companies: dict[int, Company]) -> dict[str, list[Product]]:
        products: dict[str, list[Product]] = {}
        roots = [c for c in companies.values() if c.root_id == c.id]
        for index, (name, kind, price, use, account_role) in enumerate(PRODUCTS, start=1):
            tmpl_id, product_id = self.ids("product_template"), self.ids("product_product")
            code = f"{use[:1].upper()}{index:04d}"
            products.setdefault(use, []).append(Product(product_id, name, price, use, account_role))
            self.out.add(
                "product_template",
                (
                    "id",
                    "create_uid",
                    "create_date",
                    "write_uid",
                    "write_date",
                    "name",
                    "sequence",
                    "description_sale",
                    "type",
                    "service_tracking",
                    "categ_id",
                    "list_price",
                    "sale_ok",
                    "purchase_ok",
                    "uom_id",
                    "company_id",
                    "active",
                    "default_code",
                    "is_favorite",
                    "can_be_expensed",
                ),
                (
                    tmpl_id,
                    *audit(self.created),
                    translated(name),
                    1,
                    None,
                    kind,
                    "no",
                    1,
                    money(price),
                    use == "sale",
                    use != "sale",
                    1,
                    None,
                    True,
                    code,
                    False,
                    use == "expense",
                ),
            )
            self.out.add(
                "product_product",
                (
                    "id",
                    "create_uid",
                    "create_date",
                    "write_uid",
                    "write_date",
                    "default_code",
                    "active",
                    "product_tmpl_id",
                    "barcode",
                    "combination_indices",
                    "standard_price",
                    "is_favorite",
                ),
                (
                    product_id,
                    *audit(self.created),
                    code,
                    True,
                    tmpl_id,
                    None,
                    "",
                    jtext({str(c.id): round(price * 0.6 / 100, 2) for c in roots}),
                    False,
                ),
            )
            for company in roots:
                rel, role = (
                    ("product_taxes_rel", "sale") if use == "sale" else ("product_supplier_taxes_rel", "purchase")
                )
                self.out.add(rel, ("prod_id", "tax_id"), (tmpl_id, company.taxes[role].id))
        return products

    def trade_partners(
        self, companies: dict[int, Company]
    ) -> tuple[list[Partner], list[Partner], dict[int, list[Partner]]]:
        customers = [self.trade_partner(companies, "customer", n) for n in range(1, 120 * self.scale + 1)]
        vendors = [self.trade_partner(companies, "vendor", n) for n in range(1, 60 * self.scale + 1)]
        contacts: dict[int, list[Partner]] = {}
        for company_partner in customers + vendors:
            if self.partner_rows[company_partner.id]["is_company"]:
                for _ in range(self.rng.randrange(0, 3)):
                    contacts.setdefault(company_partner.id, []).append(self.contact(company_partner))
        return customers, vendors, contacts

    def trade_partner(self, companies: dict[int, Company], kind: str, number: int) -> Partner:
        rng = self.rng
        is_company = kind == "vendor" or rng.random() < 0.8
        if is_company:
            name = f"{rng.choice(_WORDS_A)} {rng.choice(_WORDS_B)} {rng.choice(_SUFFIX)}"
        else:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        partner = Partner(self.ids("res_partner"), name, 0, kind)
        partner.commercial_id = partner.id
        self.property_accounts(partner, companies)
        us = rng.random() < 0.35
        vat = (
            f"{rng.randrange(10, 99)}-{rng.randrange(1000000, 9999999)}"
            if us
            else f"{rng.randrange(100, 999)}-{rng.randrange(100, 999)}-{rng.randrange(100, 999)}-000"
        )
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        self.partner_rows[partner.id] = {
            "is_company": is_company,
            "city": rng.choice(("Austin", "Dallas"))
            if us
            else rng.choice(("Makati", "Pasig", "Taguig", "Cebu City", "Davao City", "Quezon City")),
            "ref": f"{kind[0].upper()}{number:05d}",
            "vat": vat if is_company else None,
            "parent_id": None,
            "email": f"billing@{slug}.example.com" if is_company else f"{slug}@mail.example.com",
            "company_id": None,
            "type": "contact",
            "tz": "America/Chicago" if us else "Asia/Manila",
        }
        self.partners.append(partner)
        return partner

    def property_accounts(self, partner: Partner, companies: dict[int, Company]) -> None:
        for company in companies.values():
            partner.receivable[company.id] = company.accounts["receivable"]
            partner.payable[company.id] = company.accounts["payable"]

    def contact(self, parent: Partner) -> Partner:
        rng = self.rng
        person = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        partner = Partner(
            self.ids("res_partner"), f"{parent.name}, {person}", parent.id, "contact", parent.receivable, parent.payable
        )
        parent_row = self.partner_rows[parent.id]
        slug = person.lower().replace(" ", ".")
        self.partner_rows[partner.id] = {
            **parent_row,
            "is_company": False,
            "ref": None,
            "vat": parent_row["vat"],
            "parent_id": parent.id,
            "email": f"{slug}@{str(parent_row['email']).split('@')[1]}",
            "type": rng.choice(("contact", "invoice")),
            "short_name": person,
        }
        self.partners.append(partner)
        return partner

    def employees(self, companies: dict[int, Company]) -> dict[int, list[Employee]]:
        employees: dict[int, list[Employee]] = {}
        for company in companies.values():
            for _ in range(8 + 2 * self.scale):
                name = f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"
                partner = Partner(self.ids("res_partner"), name, 0, "employee")
                partner.commercial_id = partner.id
                self.property_accounts(partner, companies)
                slug = name.lower().replace(" ", ".")
                self.partner_rows[partner.id] = {
                    "is_company": False,
                    "city": None,
                    "ref": None,
                    "vat": None,
                    "parent_id": None,
                    "email": f"{slug}@hybrid.example.com",
                    "company_id": company.id,
                    "type": "contact",
                }
                self.partners.append(partner)
                employee = Employee(self.ids("hr_employee"), name, company.id, partner)
                employees.setdefault(company.id, []).append(employee)
                self.out.add(
                    "hr_employee",
                    (
                        "id",
                        "create_uid",
                        "create_date",
                        "write_uid",
                        "write_date",
                        "name",
                        "active",
                        "company_id",
                        "department_id",
                        "job_title",
                        "work_contact_id",
                        "work_email",
                        "user_id",
                        "parent_id",
                        "coach_id",
                        "employee_type",
                    ),
                    (
                        employee.id,
                        *audit(self.created),
                        name,
                        True,
                        company.id,
                        None,
                        self.rng.choice(("Accountant", "Sales Executive", "Engineer", "Consultant", "Manager")),
                        partner.id,
                        f"{slug}@hybrid.example.com",
                        None,
                        None,
                        None,
                        "employee",
                    ),
                )
        return employees


PARTNER_COLUMNS = (
    "id",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "name",
    "complete_name",
    "parent_id",
    "ref",
    "lang",
    "tz",
    "vat",
    "active",
    "employee",
    "type",
    "city",
    "email",
    "phone",
    "is_company",
    "company_id",
    "partner_share",
    "commercial_partner_id",
    "commercial_company_name",
    "property_account_payable_id",
    "property_account_receivable_id",
    "property_payment_term_id",
    "supplier_rank",
    "customer_rank",
    "autopost_bills",
    "email_normalized",
    "message_bounce",
)


def partner_row(
    partner: Partner, details: dict[str, object], created: str, root_ids: Sequence[int], term_id: int
) -> tuple[object, ...]:
    """A res_partner row; company-dependent fields are jsonb keyed by company id."""
    name = str(details.get("short_name", partner.name))
    parent_name = partner.name.split(", ")[0] if details["parent_id"] else None
    return (
        partner.id,
        ADMIN_UID,
        created,
        ADMIN_UID,
        created,
        name,
        partner.name,
        details["parent_id"],
        details["ref"],
        "en_US",
        details.get("tz", "Asia/Manila"),
        details["vat"],
        True,
        partner.kind == "employee",
        details["type"],
        details["city"],
        details["email"],
        f"+63 2 8{partner.id % 1000:03d} {partner.id % 9973:04d}",
        details["is_company"],
        details["company_id"],
        partner.kind not in ("company", "employee"),
        partner.commercial_id,
        parent_name or (partner.name if details["is_company"] else None),
        jtext({str(k): v for k, v in partner.payable.items()}) if partner.payable else None,
        jtext({str(k): v for k, v in partner.receivable.items()}) if partner.receivable else None,
        jtext({str(k): term_id for k in root_ids}) if partner.kind == "customer" else None,
        partner.supplier_rank,
        partner.customer_rank,
        "ask",
        str(details["email"]).lower(),
        0,
    )


def currency_rates(
    rng: random.Random, catalog: Catalog, first: dt.date, last: dt.date
) -> dict[tuple[int, int], dict[dt.date, int]]:
    """Daily rates per root company and foreign currency: a small random walk around START_RATES."""
    names = {v: k for k, v in catalog.currencies.items()}
    rates: dict[tuple[int, int], dict[dt.date, int]] = {}
    for company in catalog.companies.values():
        if company.root_id != company.id:
            continue
        for foreign, start in START_RATES[names[company.currency_id]].items():
            value = int(start * RATE_SCALE)
            series = rates.setdefault((company.id, catalog.currencies[foreign]), {})
            day = first
            while day <= last:
                series[day] = value
                value = value * (100_000 + rng.randrange(-300, 301)) // 100_000
                day += dt.timedelta(days=1)
    return rates


# ---------------------------------------------------------------------------------------------------
# Stories: one business document with everything that happens to it.
# ---------------------------------------------------------------------------------------------------


@dataclass
class Batch:
    """Generated objects waiting to be written."""

    moves: list[Move] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    partials: list[Partial] = field(default_factory=list)
    fulls: list[tuple[int, str]] = field(default_factory=list)
    invoice_payments: list[tuple[int, int]] = field(default_factory=list)
    expenses: list[tuple[object, ...]] = field(default_factory=list)
    expense_taxes: list[tuple[int, int]] = field(default_factory=list)
    line_count: int = 0


OPEN_PROBABILITY = ((0, 0.7), (30, 0.45), (60, 0.3), (90, 0.22), (120, 0.15))  # days overdue -> chance
AGING_LIMITS = (0, 30, 60, 90, 120)
EXPENSE_STATES = (
    ("draft", 8),
    ("submitted", 8),
    ("approved", 8),
    ("refused", 4),
    ("posted", 20),
    ("in_payment", 10),
    ("paid", 42),
)
EXPENSE_COLUMNS = (
    "id",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "name",
    "date",
    "employee_id",
    "company_id",
    "product_id",
    "product_uom_id",
    "quantity",
    "description",
    "state",
    "approval_state",
    "approval_date",
    "tax_amount_currency",
    "tax_amount",
    "total_amount_currency",
    "total_amount",
    "untaxed_amount_currency",
    "untaxed_amount",
    "price_unit",
    "currency_id",
    "account_move_id",
    "payment_mode",
    "vendor_id",
    "account_id",
)


class RateSource(Protocol):
    def rate(self, root_id: int, currency_id: int, day: dt.date) -> int: ...

    def foreign(self, root_id: int) -> list[int]: ...


class DailyRates:
    """The seed's rates in memory: (root company, currency) -> day -> rate."""

    def __init__(self, series: dict[tuple[int, int], dict[dt.date, int]]) -> None:
        self.series = series

    def rate(self, root_id: int, currency_id: int, day: dt.date) -> int:
        return self.series[(root_id, currency_id)][day]

    def foreign(self, root_id: int) -> list[int]:
        return [currency for (root, currency) in self.series if root == root_id]


class Seeder:
    """Turns dates into stories: invoices, bills, refunds, receipts, expenses, entries and their payments."""

    def __init__(
        self,
        rng: random.Random,
        catalog: Catalog,
        ids: IdSource,
        today: dt.date,
        rates: RateSource,
        next_number: Callable[[int, str], int] | None = None,
    ) -> None:
        self.rng, self.cat, self.ids, self.today, self.rates = rng, catalog, ids, today, rates
        self.seq = next_number or Sequencer()
        self.batch = Batch()
        self.companies = list(catalog.companies.values())
        self.foreign = {c.id: rates.foreign(c.root_id) for c in self.companies}
        self.partners = {p.id: p for p in catalog.customers + catalog.vendors}
        self.aging_open: set[tuple[int, str, int]] = set()

    # --- helpers -------------------------------------------------------------------------------------
    def rate(self, company: Company, currency_id: int, day: dt.date) -> int:
        if currency_id == company.currency_id:
            return RATE_SCALE
        return self.rates.rate(company.root_id, currency_id, day)

    def pick_company(self) -> Company:
        return self.rng.choices(self.companies, COMPANY_WEIGHTS)[0]

    def pick_currency(self, company: Company) -> int:
        if self.rng.random() < 0.14:
            return self.rng.choice(self.foreign[company.id])
        return company.currency_id

    def new_move(
        self,
        move_type: str,
        company: Company,
        journal: Journal,
        day: dt.date,
        currency_id: int,
        partner: Partner | None,
        **values: object,
    ) -> Move:
        move_id = self.ids("account_move")
        return Move(
            id=move_id,
            move_type=move_type,
            company=company,
            journal=journal,
            date=day,
            currency_id=currency_id,
            rate=self.rate(company, currency_id, day),
            partner=partner,
            created=stamp(day, move_id),
            uid=self.rng.choice(USER_UIDS),
            **values,
        )  # type: ignore[arg-type]

    def items(self, company: Company, use: str, currency_id: int, day: dt.date, count: int) -> list[Item]:
        rng = self.rng
        rate = self.rate(company, currency_id, day)
        company_factor = 1 if company.currency_id == self.cat.currencies["PHP"] else 50
        tax = company.taxes["purchase" if use == "purchase" else "sale"]
        items = []
        for product in rng.sample(self.cat.products[use], count):
            base = product.price // company_factor * rng.randrange(85, 116) // 100
            price = div_round(base * rate, RATE_SCALE)
            quantity = rng.randrange(1, 41) if product.account_role == "income_service" else rng.randrange(1, 11)
            discount = rng.choice((5, 10, 15)) if rng.random() < 0.1 else 0
            taxes = (company.taxes["exempt"],) if "exempt" in company.taxes and rng.random() < 0.05 else (tax,)
            items.append(
                Item(product.id, product.name, quantity, price, discount, company.accounts[product.account_role], taxes)
            )
        return items

    def lifecycle(self, day: dt.date) -> str:
        """draft, cancel or posted: recent documents are more often still drafts."""
        roll = self.rng.random()
        if roll < 0.01 or ((self.today - day).days < 30 and roll < 0.12):
            return "draft"
        return "cancel" if roll > 0.985 else "posted"

    def finish(self, move: Move, state: str) -> None:
        """Post or cancel a built move (a cancelled move posted before keeps its name)."""
        if state in ("posted", "cancel") and (state == "posted" or self.rng.random() < 0.7):
            post(move, self.seq)
        if state == "cancel":
            move.state, move.checked = "cancel", False
        elif state == "posted":
            move.checked = self.rng.random() < 0.95
        self.bump_rank(move)

    def bump_rank(self, move: Move) -> None:
        if move.state != "posted" or not move.is_invoice or move.partner is None:
            return
        partner = self.commercial(move.partner)
        if move.move_type.startswith("out_"):
            partner.customer_rank += 1
        else:
            partner.supplier_rank += 1

    def commercial(self, partner: Partner) -> Partner:
        return partner if partner.commercial_id == partner.id else self.partners[partner.commercial_id]

    def emit(self, *moves: Move) -> None:
        for move in moves:
            self.batch.moves.append(move)
            self.batch.line_count += len(move.lines)

    # --- documents -----------------------------------------------------------------------------------
    def invoice(
        self,
        move_type: str,
        day: dt.date,
        *,
        company: Company | None = None,
        partner: Partner | None = None,
        items: list[Item] | None = None,
        ref: str | None = None,
        term: Term | None = None,
        currency_id: int | None = None,
    ) -> Move:
        rng = self.rng
        company = company or self.pick_company()
        out = move_type.startswith("out_")
        if partner is None:
            trade = rng.choice(self.cat.customers if out else self.cat.vendors)
            contacts = self.cat.contacts.get(trade.id)
            partner = rng.choice(contacts) if contacts and rng.random() < 0.4 else trade
        currency_id = currency_id or self.pick_currency(company)
        receipt = move_type.endswith("receipt")
        if term is None:
            term = (
                self.cat.terms[0]
                if receipt or move_type.endswith("refund")
                else rng.choices(self.cat.terms, TERM_WEIGHTS)[0]
            )
        if ref is None and not out:
            ref = self.vendor_ref(self.commercial(partner), day)
        journal = company.journals["sale" if out else "purchase"]
        move = self.new_move(
            move_type,
            company,
            journal,
            day,
            currency_id,
            partner,
            invoice_date=day,
            term=term,
            ref=ref,
            payment_reference=None if out else ref,
        )
        count = 1 + min(int(rng.expovariate(0.55)), 5)
        add_invoice_lines(
            self.cat,
            self.ids,
            move,
            items or self.items(company, "sale" if out else "purchase", currency_id, day, count),
        )
        return move

    def vendor_ref(self, vendor: Partner, day: dt.date) -> str:
        vendor.bills += 1
        prefix = _BILL_PREFIXES[vendor.id % len(_BILL_PREFIXES)]
        return f"{prefix}-{day.year}-{vendor.id % 97:02d}{vendor.bills:05d}"

    def invoice_story(self, move_type: str, day: dt.date) -> None:
        move = self.invoice(move_type, day)
        state = self.lifecycle(day)
        if state == "draft" and self.rng.random() < 0.5:
            move.invoice_date = None
        self.finish(move, state)
        moves = [move]
        partials: list[Partial] = []
        payments: list[Payment] = []
        if move.state == "posted":
            moves += self.settle(move, partials, payments)
        self.close(move, moves, partials, payments)

    def settle(self, move: Move, partials: list[Partial], payments: list[Payment]) -> list[Move]:
        """Pay, partly pay, reverse or leave the document open, by how overdue it is."""
        rng = self.rng
        overdue = (self.today - due_date(move)).days
        chance_open = next((p for limit, p in OPEN_PROBABILITY if overdue <= limit), 0.08)
        if move.move_type.endswith("receipt"):
            chance_open = 0.15
        extra: list[Move] = []
        if self.first_in_bucket(move, overdue) or rng.random() < chance_open:
            if rng.random() < 0.35:
                extra += self.pay(move, rng.randrange(25, 76), partials, payments)
            return extra
        if move.move_type in ("out_invoice", "in_invoice") and rng.random() < 0.05:
            return self.reverse(move, partials)
        if rng.random() < 0.2:
            extra += self.pay(move, rng.randrange(30, 71), partials, payments)
        return extra + self.pay(move, 100, partials, payments)

    def first_in_bucket(self, move: Move, overdue: int) -> bool:
        """Whether this is the first invoice or bill of its company and aging bucket (kept open, so every
        bucket has open receivables and payables in every company)."""
        if move.move_type not in ("out_invoice", "in_invoice"):
            return False
        key = (move.company.id, move.move_type, sum(overdue > limit for limit in AGING_LIMITS))
        if key in self.aging_open:
            return False
        self.aging_open.add(key)
        return True

    def pay(self, move: Move, percent: int, partials: list[Partial], payments: list[Payment]) -> list[Move]:
        """A payment of ``percent`` of what is still open, reconciled with the installments in order."""
        rng = self.rng
        open_lines = [line for line in move.term_lines() if line.residual_cur]
        remaining = sum(line.residual_cur for line in open_lines)
        amount = abs(remaining) if percent == 100 else abs(remaining) * percent // 100
        after = max([p.move.date for p in payments] + [move.date])
        latest = min(self.today, after + dt.timedelta(days=(due_date(move) - move.date).days + 25))
        day = after + dt.timedelta(days=rng.randrange(0, max((latest - after).days, 0) + 1))
        company = move.company
        journal = self.payment_journal(company, move.currency_id)
        partner = self.commercial(move.partner)  # type: ignore[arg-type]
        matched = (self.today - day).days > 10 and rng.random() < 0.85
        payment = build_payment(
            self.cat,
            self.ids,
            self.seq,
            company=company,
            journal=journal,
            partner=partner,
            partner_type="customer" if move.move_type.startswith("out_") else "supplier",
            inbound=move.move_type in INBOUND_TYPES,
            amount=amount,
            currency_id=move.currency_id,
            rate=self.rate(company, move.currency_id, day),
            day=day,
            memo=move.name,
            matched=matched,
        )
        payments.append(payment)
        self.batch.invoice_payments.append((move.id, payment.id))
        return [payment.move, *self.apply(payment.counterpart, open_lines, day, partials)]

    def apply(self, source: Line, targets: list[Line], day: dt.date, partials: list[Partial]) -> list[Move]:
        """Reconcile ``source`` against ``targets`` in order, booking exchange differences."""
        extra = []
        for target in targets:
            if not source.residual_cur:
                break
            partial = reconcile(self.ids, target, source, day, target.move.company.id)  # type: ignore[union-attr]
            partials.append(partial)
            for line in (target, source):
                exchange = exchange_difference(self.cat, self.ids, self.seq, line, partial)
                if exchange:
                    extra.append(exchange[0])
                    partials.append(exchange[1])
        return extra

    def payment_journal(self, company: Company, currency_id: int) -> Journal:
        journals = company.journals
        if (
            currency_id != company.currency_id
            and "bank_foreign" in journals
            and journals["bank_foreign"].currency_id == currency_id
        ):
            return journals["bank_foreign"]
        return journals["cash"] if self.rng.random() < 0.12 else journals["bank"]

    def reverse(self, move: Move, partials: list[Partial]) -> list[Move]:
        """A full credit note (Odoo's reversal copies the lines with debit and credit swapped)."""
        day = min(self.today, move.date + dt.timedelta(days=self.rng.randrange(1, 30)))
        refund_type = "out_refund" if move.move_type == "out_invoice" else "in_refund"
        refund = Move(
            id=self.ids("account_move"),
            move_type=refund_type,
            company=move.company,
            journal=move.journal,
            date=day,
            currency_id=move.currency_id,
            rate=move.rate,
            partner=move.partner,
            created=stamp(day, move.id),
            uid=move.uid,
            invoice_date=day,
            term=move.term,
            ref=f"Reversal of: {move.name}",
            reversed_entry_id=move.id,
        )
        for line in move.lines:
            make_line(
                self.cat,
                self.ids,
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
        self.finish(refund, "posted")
        for original, reversal in zip(move.term_lines(), refund.term_lines(), strict=True):
            partials.append(reconcile(self.ids, original, reversal, day, move.company.id))
        return [refund]

    def close(self, move: Move, moves: list[Move], partials: list[Partial], payments: list[Payment]) -> None:
        """Full reconciles, matching numbers and payment states once the story is complete."""
        for full_id in close_groups(self.ids, partials):
            self.batch.fulls.append((full_id, max(p.created for p in partials if p.full_id == full_id)))
        matched = {p.move.id: p.is_matched for p in payments}
        for document in moves:
            if document.is_invoice:
                set_payment_state(document, partials, matched)
        self.batch.partials.extend(partials)
        self.batch.payments.extend(payments)
        self.emit(*moves)
        if partials:
            last = max(p.created for p in partials)
            move.written = last

    def expense_story(self, day: dt.date) -> None:
        rng = self.rng
        company = self.pick_company()
        employee = rng.choice(self.cat.employees[company.id])
        product = rng.choice(self.cat.products["expense"])
        state = rng.choices([s for s, _ in EXPENSE_STATES], [w for _, w in EXPENSE_STATES])[0]
        if (self.today - day).days < 20 and state in ("paid", "in_payment"):
            state = "posted"
        company_paid = state == "paid" and rng.random() < 0.35
        currency_id = self.pick_currency(company) if rng.random() < 0.5 else company.currency_id
        expense_id = self.ids("hr_expense")
        item = self.items(company, "expense", currency_id, day, 1)[0]
        item = Item(
            product.id,
            f"{product.name} - {employee.name}",
            item.quantity if product.name == "Mileage" else 1,
            item.price_unit,
            0,
            company.accounts[product.account_role],
            (company.taxes["purchase"],),
            expense_id,
        )
        move = None
        if state in ("posted", "in_payment", "paid"):
            move = self.expense_move(company, employee, item, currency_id, day, state, company_paid)
        untaxed = item.quantity * item.price_unit
        tax = div_round(untaxed * item.taxes[0].basis_points, 10_000)
        rate = self.rate(company, currency_id, day)
        approval = {"draft": None, "submitted": "submitted", "refused": "refused"}.get(state, "approved")
        created = stamp(day, expense_id)
        self.batch.expenses.append(
            (
                expense_id,
                ADMIN_UID,
                created,
                ADMIN_UID,
                max(move.written or move.created, created) if move else created,
                item.name,
                day,
                employee.id,
                company.id,
                product.id,
                1,
                item.quantity,
                None,
                state,
                approval,
                created if approval in ("approved", "refused") else None,
                money(tax),
                money(to_company(tax, rate)),
                money(untaxed + tax),
                money(to_company(untaxed + tax, rate)),
                money(untaxed),
                money(to_company(untaxed, rate)),
                money(item.price_unit),
                currency_id,
                move.id if move else None,
                "company_account" if company_paid else "own_account",
                None,
                item.account_id,
            )
        )
        self.batch.expense_taxes.append((expense_id, item.taxes[0].id))

    def expense_move(
        self,
        company: Company,
        employee: Employee,
        item: Item,
        currency_id: int,
        day: dt.date,
        state: str,
        company_paid: bool,
    ) -> Move:
        """Own-account expenses become a bill to the employee; company-paid ones an entry on the bank."""
        if company_paid:
            move = self.new_move(
                "entry", company, company.journals["bank"], day, currency_id, employee.partner, ref=item.name
            )
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
                    self.cat,
                    self.ids,
                    move,
                    account_id=account_id,
                    display_type=kind,
                    balance=to_company(sign * amount, move.rate),
                    amount_currency=sign * amount,
                    currency_id=currency_id,
                    name=item.name,
                    partner_id=employee.partner.id,
                    **extra,
                )
            total_bal = -sum(line.balance for line in move.lines)
            make_line(
                self.cat,
                self.ids,
                move,
                account_id=company.journals["bank"].default_account_id,
                display_type="product",
                balance=total_bal,
                amount_currency=-sign * (untaxed + tax),
                currency_id=currency_id,
                name=item.name,
                partner_id=employee.partner.id,
            )
            self.finish(move, "posted")
            self.emit(move)
            return move
        move = self.invoice(
            "in_invoice",
            day,
            company=company,
            partner=employee.partner,
            items=[item],
            ref=item.name,
            term=self.cat.terms[0],
            currency_id=currency_id,
        )
        self.finish(move, "posted")
        partials: list[Partial] = []
        payments: list[Payment] = []
        moves = [move]
        if state in ("in_payment", "paid"):
            moves += self.pay_expense(move, state == "paid", partials, payments)
        self.close(move, moves, partials, payments)
        return move

    def pay_expense(self, move: Move, matched: bool, partials: list[Partial], payments: list[Payment]) -> list[Move]:
        day = min(self.today, move.date + dt.timedelta(days=self.rng.randrange(1, 15)))
        company = move.company
        payment = build_payment(
            self.cat,
            self.ids,
            self.seq,
            company=company,
            journal=company.journals["bank"],
            partner=move.partner,
            partner_type="supplier",
            inbound=False,  # type: ignore
            amount=-sum(line.amount_currency for line in move.term_lines()),
            currency_id=move.currency_id,
            rate=self.rate(company, move.currency_id, day),
            day=day,
            memo=move.ref or move.name,
            matched=matched,
        )
        payments.append(payment)
        self.batch.invoice_payments.append((move.id, payment.id))
        return [payment.move, *self.apply(payment.counterpart, move.term_lines(), day, partials)]

    def entry_story(self, day: dt.date) -> None:
        """A miscellaneous entry: depreciation, accrual, salaries or a loan repayment."""
        rng = self.rng
        company = self.pick_company()
        acc = company.accounts
        factor = 1 if company.currency_id == self.cat.currencies["PHP"] else 50
        kind = rng.choice(
            (
                ("Depreciation", "depreciation", "fixed"),
                ("Accrued rent", "rent", "accrued"),
                ("Payroll", "salaries", "bank"),
                ("Loan amortization", "loan", "bank"),
                ("Prepaid insurance", "prepayments", "bank"),
            )
        )
        move = self.new_move(
            "entry",
            company,
            company.journals["misc"],
            day,
            company.currency_id,
            None,
            ref=f"{kind[0]} {day:%B %Y}",
            narration=f"<p>{kind[0]}</p>",
        )
        amounts = [rng.randrange(20_000_00, 400_000_00) // factor for _ in range(rng.randrange(1, 4))]
        for amount in amounts:
            make_line(
                self.cat,
                self.ids,
                move,
                account_id=acc[kind[1]],
                display_type="product",
                balance=amount,
                amount_currency=amount,
                currency_id=company.currency_id,
                name=kind[0],
                partner_id=None,
            )
        make_line(
            self.cat,
            self.ids,
            move,
            account_id=acc[kind[2]],
            display_type="product",
            balance=-sum(amounts),
            amount_currency=-sum(amounts),
            currency_id=company.currency_id,
            name=kind[0],
            partner_id=None,
        )
        self.finish(move, self.lifecycle(day))
        self.emit(move)

    def opening_entries(self, day: dt.date) -> None:
        for company in self.companies:
            factor = 1 if company.currency_id == self.cat.currencies["PHP"] else 50
            move = self.new_move(
                "entry", company, company.journals["misc"], day, company.currency_id, None, ref="Opening balance"
            )
            acc = company.accounts
            for role, amount in (
                ("bank", 25_000_000_00),
                ("cash", 500_000_00),
                ("fixed", 12_000_000_00),
                ("loan", -10_000_000_00),
                ("equity", -27_500_000_00),
            ):
                make_line(
                    self.cat,
                    self.ids,
                    move,
                    account_id=acc[role],
                    display_type="product",
                    balance=amount // factor,
                    amount_currency=amount // factor,
                    currency_id=company.currency_id,
                    name="Opening balance",
                    partner_id=None,
                )
            self.finish(move, "posted")
            self.emit(move)

    STORIES: tuple[tuple[str, int], ...] = (
        ("out_invoice", 40),
        ("in_invoice", 32),
        ("out_refund", 3),
        ("in_refund", 3),
        ("out_receipt", 3),
        ("in_receipt", 3),
        ("expense", 6),
        ("entry", 4),
    )

    def story(self, kind: str, day: dt.date) -> None:
        if kind == "expense":
            self.expense_story(day)
        elif kind == "entry":
            self.entry_story(day)
        else:
            self.invoice_story(kind, day)

    def take_batch(self) -> Batch:
        batch, self.batch = self.batch, Batch()
        return batch


# ---------------------------------------------------------------------------------------------------
# Loading.
# ---------------------------------------------------------------------------------------------------


def batch_tables(batch: Batch) -> Iterator[tuple[str, tuple[str, ...], str]]:
    """The batch as (table, columns, COPY text) blocks."""
    moves = batch.moves
    yield "account_move", MOVE_COLUMNS, copy_text(map(move_row, moves))
    yield "account_move_line", LINE_COLUMNS, copy_text(line_row(m, line) for m in moves for line in m.lines)
    yield (
        "account_move_line_account_tax_rel",
        ("account_move_line_id", "account_tax_id"),
        copy_text((line.id, tax) for m in moves for line in m.lines for tax in line.tax_ids),
    )
    yield "account_payment", PAYMENT_COLUMNS, copy_text(map(payment_row, batch.payments))
    yield ("account_move__account_payment", ("invoice_id", "payment_id"), copy_text(batch.invoice_payments))
    yield "account_partial_reconcile", PARTIAL_COLUMNS, copy_text(map(partial_row, batch.partials))
    yield "account_full_reconcile", FULL_COLUMNS, copy_text((i, *audit(c)) for i, c in batch.fulls)
    yield "hr_expense", EXPENSE_COLUMNS, copy_text(batch.expenses)
    yield "expense_tax", ("expense_id", "tax_id"), copy_text(batch.expense_taxes)


class Loader:
    """COPY blocks into the database, counting rows per table.

    Measured on the 2-core target: copying on a writer thread while generating the next chunk gained
    nothing (the database and Python compete for the same cores), so the load is sequential.
    """

    def __init__(self, conn: psycopg.Connection, progress: Progress | None) -> None:
        self.conn, self.progress = conn, progress
        self.rows: dict[str, int] = {}

    def copy(self, table: str, columns: Sequence[str], text: str) -> None:
        if not text:
            return
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with self.conn.cursor() as cur, cur.copy(statement) as copy:
            copy.write(text)
        self.rows[table] = self.rows.get(table, 0) + text.count("\n")

    def say(self, message: str) -> None:
        if self.progress:
            self.progress(message)


@dataclass
class SeedReport:
    rows: dict[str, int]
    seconds: float
    move_lines: int


def story_plan(rng: random.Random, scale: int, start: dt.date, today: dt.date) -> list[tuple[dt.date, str]]:
    """Dates and kinds of all stories, in date order."""
    span = (today - start).days
    kinds = [k for k, _ in Seeder.STORIES]
    weights = [w for _, w in Seeder.STORIES]
    count = STORIES_PER_SCALE * scale
    days = sorted(rng.randrange(span + 1) for _ in range(count))
    chosen = rng.choices(kinds, weights, k=count)
    return [(start + dt.timedelta(days=d), kind) for d, kind in zip(days, chosen, strict=True)]


def load_master(
    loader: Loader, builder: CatalogBuilder, catalog: Catalog, rates: dict[tuple[int, int], dict[dt.date, int]]
) -> None:
    for table, rows in builder.out.rows.items():
        loader.copy(table, builder.out.columns[table], copy_text(rows))
    rate_rows = []
    for (company_id, currency_id), series in sorted(rates.items()):
        for day, rate in series.items():
            rate_id = builder.ids("res_currency_rate")
            created = stamp(day, rate_id)
            rate_rows.append((rate_id, *audit(created), day, rate_text(rate), currency_id, company_id))
    loader.copy(
        "res_currency_rate",
        ("id", "create_uid", "create_date", "write_uid", "write_date", "name", "rate", "currency_id", "company_id"),
        copy_text(rate_rows),
    )


def load_stories(loader: Loader, seeder: Seeder, plan: list[tuple[dt.date, str]], start: dt.date) -> None:
    seeder.opening_entries(start - dt.timedelta(days=1))
    for index, (day, kind) in enumerate(plan, start=1):
        seeder.story(kind, day)
        if seeder.batch.line_count >= CHUNK_LINES or index == len(plan):
            lines = seeder.batch.line_count
            for table, columns, text in batch_tables(seeder.take_batch()):
                loader.copy(table, columns, text)
            loader.say(f"stories {index}/{len(plan)}: {lines} more move lines queued")


def load_partners(loader: Loader, builder: CatalogBuilder, catalog: Catalog) -> None:
    roots = sorted({c.root_id for c in catalog.companies.values()})
    term_id = catalog.terms[2].id
    rows = [
        partner_row(p, builder.partner_rows[p.id], builder.created, roots, term_id)
        for p in sorted(builder.partners, key=lambda p: p.id)
    ]
    loader.copy("res_partner", PARTNER_COLUMNS, copy_text(rows))


def build_indexes(dsn: str, workers: int = 2) -> None:
    """Primary keys, checks and secondary indexes after the load, one table per connection at a time.

    The move lines alone weigh about as much as everything else, so two connections halve the wait.
    """
    jobs: queue.Queue[schema.Table] = queue.Queue()
    for table in sorted(schema.TABLES, key=lambda t: t.name != "account_move_line"):
        jobs.put(table)

    def work() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '256MB'")
            while True:
                try:
                    table = jobs.get_nowait()
                except queue.Empty:
                    return
                conn.execute(schema.add_constraints_sql(table))
                for statement in schema.index_statements(table):
                    conn.execute(statement)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(work) for _ in range(workers)]:
            future.result()


def set_sequences(conn: psycopg.Connection, ids: Counters) -> None:
    """Move every serial sequence past the highest id so later inserts work."""
    for table in schema.TABLES:
        if table.is_link:
            continue
        last = ids.last.get(table.name, 0)
        conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)", (table.name, max(last, 1), last > 0))


def seed_database(
    dsn: str, *, scale: int = 1, seed: int = 42, today: dt.date, progress: Progress | None = None
) -> SeedReport:
    """Drop and recreate the Odoo tables in ``dsn`` and fill them; about 50,000 move lines per scale."""
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, got {scale}")
    started = time.perf_counter()
    rng = random.Random(seed)
    ids = Counters()
    start = today - dt.timedelta(days=HISTORY_DAYS)
    builder = CatalogBuilder(rng, ids, scale, start)
    catalog = builder.build()
    rates = currency_rates(rng, catalog, start - dt.timedelta(days=1), today)
    with psycopg.connect(dsn) as conn:
        schema.drop_schema(conn)
        schema.create_tables(conn, constraints=False)
        loader = Loader(conn, progress)
        loader.say("tables created")
        load_master(loader, builder, catalog, rates)
        seeder = Seeder(rng, catalog, ids, today, DailyRates(rates))
        load_stories(loader, seeder, story_plan(rng, scale, start, today), start)
        load_partners(loader, builder, catalog)
    loader.say("building primary keys and indexes")
    build_indexes(dsn)
    with psycopg.connect(dsn) as conn:
        set_sequences(conn, ids)
    seconds = time.perf_counter() - started
    rows = {table.name: loader.rows.get(table.name, 0) for table in schema.TABLES}
    return SeedReport(rows, seconds, rows["account_move_line"])
