"""The report's tables as rows of text, in reading order: the PDF and the HTML render the same sections, so
the two never disagree on a figure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dagster_project.reports.models import Figure, MonthlyReport, format_value


@dataclass(frozen=True)
class Section:
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    empty: str = "None."  # said instead of an empty table
    numeric_from: int = 1  # columns from this one are right-aligned


def _amount(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value:,.2f}"


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value:+.1f}%"


def _figure_row(figure: Figure, currency: str) -> tuple[str, ...]:
    def shown(value: Decimal | None) -> str:
        return format_value(value, figure.unit, "" if figure.unit != "amount" else currency)

    return (figure.label, shown(figure.value), shown(figure.previous), _percent(figure.percent_vs_previous),
            shown(figure.year_ago), _percent(figure.percent_vs_year_ago))


def sections(report: MonthlyReport) -> list[Section]:
    currency = report.currency
    return [
        Section("Key figures", ("Figure", report.month_label, "Previous month", "Change", "A year before", "Change"),
                [_figure_row(f, currency) for f in report.figures]),
        Section(f"Receivables aging at {report.month_end.isoformat()} ({currency})",
                ("Bucket", "Amount", "Previous month end", "Items"),
                [(b.bucket, _amount(b.amount), _amount(b.previous), str(b.items)) for b in report.ar_aging]),
        Section(f"Payables aging at {report.month_end.isoformat()} ({currency})",
                ("Bucket", "Amount", "Previous month end", "Items"),
                [(b.bucket, _amount(b.amount), _amount(b.previous), str(b.items)) for b in report.ap_aging]),
        Section(f"Ten largest overdue receivables ({currency})",
                ("Document", "Customer", "Company", "Due", "Days late", "Open amount"),
                [(o.document or "", o.partner, o.company, o.due_date.isoformat(), str(o.days_past_due),
                  _amount(o.amount)) for o in report.top_overdue], "No receivable was overdue.", numeric_from=4),
        Section(f"Expenses by category ({currency})", ("Category", report.month_label, "Previous month", "Change"),
                [(e.category, _amount(e.amount), _amount(e.previous), _percent(e.percent_vs_previous))
                 for e in report.expenses_by_category], "No expenses were posted."),
        Section(f"Cash movements ({currency})", ("Company", "Account", "Opening", "Movement", "Closing"),
                [(c.company, c.account, _amount(c.opening), _amount(c.movement), _amount(c.closing))
                 for c in report.cash], "No cash account.", numeric_from=2),
        Section(f"OCR invoices not reconciled with Odoo ({report.unmatched_bill_count}; the largest ten)",
                ("Vendor", "Invoice", "Date", "Status", "Amount"),
                [(b.vendor or "", b.invoice_number or "", b.invoice_date.isoformat() if b.invoice_date else "",
                  b.status.replace("_", " "), f"{b.currency or ''} {_amount(b.amount)}".strip())
                 for b in report.unmatched_bills], "Every OCR invoice is reconciled.", numeric_from=4),
    ]
