"""Rule-based insights: each rule reads the report's figures and, when they cross its threshold, says what
changed and names the figure that triggered it. No model or external service: a reader can check each one."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from dagster_project.reports.models import Insight, MonthlyReport, format_value

DAYS_MOVE = Decimal(5)  # DSO or DPO moving this many days is worth a line
REVENUE_MOVE = Decimal(20)  # percent, against the previous month or the same month a year before
CATEGORY_FACTOR = Decimal(2)  # an expense category at least doubling...
CATEGORY_SHARE = Decimal("0.02")  # ...that is at least this share of the month's expenses
OVERDUE_SHARE = Decimal("0.25")  # receivables more than 90 days past due, as a share of all
CASH_DROP = Decimal(-20)  # percent
WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def count_words(count: int) -> str:
    return WORDS[count] if count < len(WORDS) else f"{count:,}"


def _days(report: MonthlyReport, key: str, name: str) -> Insight | None:
    figure = report.figure(key)
    if figure.value is None or figure.previous is None or abs(figure.value - figure.previous) < DAYS_MOVE:
        return None
    rose = figure.value > figure.previous  # customers paying later, or suppliers paid sooner, is the warning
    return Insight(rule=f"{key}_moved", severity="warning" if rose == (key == "dso") else "info", figure=key,
                   message=f"{name} {'rose' if rose else 'fell'} from {figure.previous:.0f} to {figure.value:.0f} days",
                   value=figure.value, previous=figure.previous)


def _revenue(report: MonthlyReport, against: str) -> Insight | None:
    figure = report.figure("revenue")
    percent = figure.percent_vs_previous if against == "previous" else figure.percent_vs_year_ago
    base = figure.previous if against == "previous" else figure.year_ago
    if percent is None or abs(percent) < REVENUE_MOVE:
        return None
    when = "the previous month" if against == "previous" else "the same month a year before"
    return Insight(rule=f"revenue_vs_{against}", severity="info" if percent > 0 else "warning", figure="revenue",
                   message=f"Revenue {'rose' if percent > 0 else 'fell'} {abs(percent)}% against {when}, "
                           f"from {format_value(base, 'amount', report.currency)} to "
                           f"{format_value(figure.value, 'amount', report.currency)}",
                   value=figure.value, previous=base)


def _net_loss(report: MonthlyReport) -> Insight | None:
    figure = report.figure("net_income")
    if figure.value is None or figure.value >= 0 or not report.has_activity:
        return None
    return Insight(rule="net_loss", severity="warning", figure="net_income",
                   message="The month closed at a net loss of "
                           f"{format_value(-figure.value, 'amount', report.currency)}",
                   value=figure.value, previous=figure.previous)


def _categories(report: MonthlyReport) -> list[Insight]:
    total = report.figure("expenses").value or Decimal(0)
    return [Insight(rule="expense_category_doubled", severity="warning", figure=f"expenses:{c.category}",
                    message=f"Expenses in {c.category} "
                            f"{'doubled' if c.amount < 3 * c.previous else 'more than tripled'}"
                            f" from {format_value(c.previous, 'amount', report.currency)} to "
                            f"{format_value(c.amount, 'amount', report.currency)}",
                    value=c.amount, previous=c.previous)
            for c in report.expenses_by_category
            if c.previous > 0 and c.amount >= CATEGORY_FACTOR * c.previous and total > 0
            and c.amount >= CATEGORY_SHARE * total]


def _overdue(report: MonthlyReport) -> Insight | None:
    total = sum((b.amount for b in report.ar_aging), Decimal(0))
    late = sum((b.amount for b in report.ar_aging if b.bucket in ("91-120", "120+")), Decimal(0))
    if total <= 0 or late / total < OVERDUE_SHARE:
        return None
    return Insight(rule="receivables_over_90_days", severity="warning", figure="ar_aging",
                   message=f"{late / total:.0%} of receivables ({format_value(late, 'amount', report.currency)}) are "
                           "more than 90 days past due", value=late, previous=total)


def _cash(report: MonthlyReport) -> Insight | None:
    figure = report.figure("cash")
    if figure.percent_vs_previous is None or figure.percent_vs_previous > CASH_DROP:
        return None
    return Insight(rule="cash_fell", severity="warning", figure="cash",
                   message=f"Cash fell {abs(figure.percent_vs_previous)}% to "
                           f"{format_value(figure.value, 'amount', report.currency)}",
                   value=figure.value, previous=figure.previous)


def _unmatched(report: MonthlyReport) -> Insight | None:
    count = report.large_unmatched_bill_count
    if not count:
        return None
    return Insight(rule="large_bills_unmatched", severity="warning", figure="unmatched_bills",
                   message=f"{count_words(count).capitalize()} vendor bill{'s' if count != 1 else ''} above "
                           f"{report.bill_threshold:,} {'are' if count != 1 else 'is'} unmatched in Odoo",
                   value=Decimal(count))


RULES: tuple[Callable[[MonthlyReport], Insight | list[Insight] | None], ...] = (
    lambda r: _revenue(r, "previous"), lambda r: _revenue(r, "year_ago"), _net_loss,
    lambda r: _days(r, "dso", "DSO"), lambda r: _days(r, "dpo", "DPO"), _overdue, _categories, _cash, _unmatched,
)


def draw(report: MonthlyReport) -> list[Insight]:
    """Every rule's finding, in the order of RULES (income, working capital, costs, cash, documents)."""
    found: list[Insight] = []
    for rule in RULES:
        result = rule(report)
        found += result if isinstance(result, list) else [result] if result else []
    return found
