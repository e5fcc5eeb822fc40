"""The report's content as typed models: the JSON output is their dump, and the PDF and HTML render them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, PlainSerializer, computed_field

# Amounts are exact Decimals inside; JSON gets numbers to the cent (a reader's tools want numbers, not strings).
Amount = Annotated[Decimal, PlainSerializer(lambda value: float(round(value, 2)), return_type=float, when_used="json")]
Unit = Literal["amount", "days", "count"]


def change(value: Decimal | None, base: Decimal | None) -> Decimal | None:
    return None if value is None or base is None else value - base


def percent(value: Decimal | None, base: Decimal | None) -> Decimal | None:
    """The relative change in percent; None against a zero or missing base (a change from nothing has none)."""
    if value is None or base is None or base == 0:
        return None
    return round((value - base) / abs(base) * 100, 1)


class Figure(BaseModel):
    """One headline figure of the month with the same figure a month and a year before."""

    key: str
    label: str
    unit: Unit
    value: Amount | None
    previous: Amount | None = None
    year_ago: Amount | None = None

    @computed_field
    def change_vs_previous(self) -> Amount | None:
        return change(self.value, self.previous)

    @computed_field
    def percent_vs_previous(self) -> Amount | None:
        return percent(self.value, self.previous)

    @computed_field
    def change_vs_year_ago(self) -> Amount | None:
        return change(self.value, self.year_ago)

    @computed_field
    def percent_vs_year_ago(self) -> Amount | None:
        return percent(self.value, self.year_ago)


class TrendPoint(BaseModel):
    month: str
    revenue: Amount
    expenses: Amount
    net_income: Amount


class AgingBucket(BaseModel):
    bucket: str
    amount: Amount
    previous: Amount
    items: int


class OverdueReceivable(BaseModel):
    document: str | None
    partner: str
    company: str
    due_date: dt.date
    days_past_due: int
    amount: Amount


class ExpenseCategory(BaseModel):
    category: str
    amount: Amount
    previous: Amount

    @computed_field
    def percent_vs_previous(self) -> Amount | None:
        return percent(self.amount, self.previous)


class CashAccount(BaseModel):
    company: str
    account: str
    opening: Amount
    movement: Amount
    closing: Amount


class UnmatchedBill(BaseModel):
    vendor: str | None
    invoice_number: str | None
    invoice_date: dt.date | None
    currency: str | None
    amount: Amount | None
    status: str


class Insight(BaseModel):
    """A finding of one rule, naming the figure that triggered it and its values."""

    rule: str
    severity: Literal["info", "warning"]
    figure: str
    message: str
    value: Amount | None = None
    previous: Amount | None = None


class MonthlyReport(BaseModel):
    env: str
    month: str
    month_label: str
    month_end: dt.date
    scope: str  # "consolidated" or the company's name
    company_id: int | None
    currency: str
    translation: str  # how amounts of other currencies were translated (consolidated only)
    has_activity: bool
    figures: list[Figure]
    trend: list[TrendPoint]
    ar_aging: list[AgingBucket]
    ap_aging: list[AgingBucket]
    top_overdue: list[OverdueReceivable]
    expenses_by_category: list[ExpenseCategory]
    cash: list[CashAccount]
    unmatched_bills: list[UnmatchedBill]
    unmatched_bill_count: int
    bill_threshold: Amount
    large_unmatched_bill_count: int  # unreconciled OCR invoices above bill_threshold (document currency)
    insights: list[Insight] = []
    generated_at: dt.datetime

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    @property
    def title(self) -> str:
        scope = "Consolidated" if self.company_id is None else self.scope
        return f"Monthly financial report: {self.month_label}, {scope}"

    def summary(self) -> str:
        """One line a reader takes in at a glance (the chat message's and the PDF's first line)."""
        if not self.has_activity:
            return f"No posted activity in {self.month_label} for {self.scope}: revenue and expenses are nil."
        parts = [f"{f.label} {format_value(f.value, f.unit, self.currency)}"
                 + (f" ({f.percent_vs_previous:+}% vs previous month)" if f.percent_vs_previous is not None else "")
                 for f in (self.figure("revenue"), self.figure("expenses"), self.figure("net_income"))]
        return "; ".join(parts) + "."


def format_value(value: Decimal | None, unit: Unit, currency: str = "") -> str:
    if value is None:
        return "n/a"
    if unit == "days":
        return f"{value:,.0f} days"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{currency} {value:,.2f}".strip()
