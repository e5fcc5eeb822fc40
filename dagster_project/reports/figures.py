"""The report's figures, read from the warehouse marts only (their lineage runs back to Odoo's tables).

Every query joins `scope` (company -> factor into the report's currency), so one text serves a company's
report and the consolidated one. Amounts are company currency in the marts; payables are shown positive."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

from dagster_project.reports.models import (
    AgingBucket,
    CashAccount,
    ExpenseCategory,
    Figure,
    MonthlyReport,
    OverdueReceivable,
    TrendPoint,
    UnmatchedBill,
)
from dagster_project.reports.period import Month
from dagster_project.reports.scope import Scope, dict_cursor

SCOPE = sql.SQL("WITH scope (company_id, factor) AS (SELECT * FROM unnest(%(companies)s::integer[], "
                "%(factors)s::numeric[])) ")
BUCKETS = ("current", "1-30", "31-60", "61-90", "91-120", "120+")
ZERO = Decimal(0)
TOP = 10
BILL_THRESHOLD_VARIABLE = "HYBRID_REPORT_BILL_THRESHOLD"  # an unreconciled OCR invoice above it is an insight

PNL = SCOPE + sql.SQL("""
    SELECT pnl.month, sum(pnl.revenue * scope.factor) AS revenue, sum(pnl.total_expenses * scope.factor) AS expenses,
           sum(pnl.net_income * scope.factor) AS net_income, sum(pnl.item_count) AS items
    FROM warehouse.income_statement_monthly AS pnl JOIN scope USING (company_id)
    WHERE pnl.month = ANY(%(months)s) GROUP BY pnl.month""")
POSITIONS = SCOPE + sql.SQL("""
    SELECT positions.month_end, positions.account_type, positions.aging_bucket,
           sum(positions.residual_amount * scope.factor) AS amount, count(*) AS items
    FROM warehouse.fct_open_items_month_end AS positions JOIN scope USING (company_id)
    WHERE positions.month_end = ANY(%(month_ends)s) GROUP BY 1, 2, 3""")
OVERDUE = SCOPE + sql.SQL("""
    SELECT positions.move_name AS document, coalesce(partners.partner_name, '(no partner)') AS partner,
           positions.company_id, positions.due_date, positions.days_past_due,
           positions.residual_amount * scope.factor AS amount
    FROM warehouse.fct_open_items_month_end AS positions JOIN scope USING (company_id)
    LEFT JOIN warehouse.dim_partner AS partners ON partners.partner_id = positions.partner_id
    WHERE positions.month_end = %(month_end)s AND positions.account_type = 'asset_receivable'
      AND positions.days_past_due > 0 AND positions.residual_amount > 0
    ORDER BY amount DESC, positions.move_line_id LIMIT %(top)s""")
EXPENSES = SCOPE + sql.SQL("""
    SELECT expenses.account_name AS category,
           coalesce(sum(expenses.amount * scope.factor) FILTER (WHERE expenses.month = %(month)s), 0) AS amount,
           coalesce(sum(expenses.amount * scope.factor) FILTER (WHERE expenses.month = %(previous)s), 0) AS previous
    FROM warehouse.expenses_monthly AS expenses JOIN scope USING (company_id)
    WHERE expenses.month IN (%(month)s, %(previous)s) GROUP BY 1 ORDER BY amount DESC, category""")
CASH = SCOPE + sql.SQL("""
    SELECT DISTINCT ON (cash.company_id, cash.account_id) cash.company_id,
           cash.account_code || ' ' || cash.account_name AS account, cash.closing_balance * scope.factor AS closing,
           CASE WHEN cash.period = %(month)s THEN cash.net_change * scope.factor ELSE 0 END AS movement
    FROM warehouse.cash_position AS cash JOIN scope USING (company_id)
    WHERE cash.period <= %(month)s ORDER BY cash.company_id, cash.account_id, cash.period DESC""")
UNMATCHED = """
    SELECT coalesce(matching.odoo_partner_name, matching.vendor_name) AS vendor, matching.invoice_number,
           matching.invoice_date, matching.currency_code AS currency, matching.amount_total AS amount,
           matching.match_status AS status
    FROM warehouse.ocr_bill_matching AS matching
    WHERE matching.match_status <> 'matched' AND matching.invoice_date <= %(month_end)s
      AND (matching.company_id = ANY(%(companies)s) OR (%(consolidated)s AND matching.company_id IS NULL))
    ORDER BY matching.amount_total DESC NULLS LAST, matching.ocr_invoice_id"""


def _rows(conn: psycopg.Connection, query: str | sql.Composed, params: dict[str, Any]) -> list[dict[str, Any]]:
    with dict_cursor(conn) as cursor:
        return cursor.execute(query, params).fetchall()


def read_report(conn: psycopg.Connection, env: str, month: Month, scope: Scope) -> MonthlyReport:
    """Every figure of `month` for `scope`, insights not yet drawn (insights.py reads this)."""
    base = scope.params()
    previous, year_ago = month.plus(-1), month.plus(-12)
    pnl = {row["month"]: row for row in _rows(conn, PNL, {**base, "months": [m.first_day for m in month.trend()]})}
    ends = [month.last_day, previous.last_day, year_ago.last_day]
    positions = _rows(conn, POSITIONS, {**base, "month_ends": ends})
    open_at = {end: _open_totals(positions, end) for end in ends}

    def pnl_figure(key: str, label: str) -> Figure:
        return Figure(key=key, label=label, unit="amount", value=_pnl(pnl, month, key),
                      previous=_pnl(pnl, previous, key), year_ago=_pnl(pnl, year_ago, key))

    def days(key: str, label: str, account_type: str, basis: str, months: tuple[Month, ...]) -> Figure:
        values = [_days_outstanding(open_at[m.last_day][account_type], _pnl(pnl, m, basis), m) for m in months]
        return Figure(key=key, label=label, unit="days", value=values[0], previous=values[1], year_ago=values[2])

    def balance(key: str, label: str, account_type: str) -> Figure:
        values = [open_at[end][account_type] for end in ends]
        return Figure(key=key, label=label, unit="amount", value=values[0], previous=values[1], year_ago=values[2])

    compared = (month, previous, year_ago)
    threshold = bill_threshold()
    cash = _cash(conn, base, scope, month)
    cash_then = [_cash(conn, base, scope, m) for m in (previous, year_ago)]
    unmatched = [UnmatchedBill(**row) for row in _rows(conn, UNMATCHED, {**base, "month_end": month.last_day})]
    figures = [
        pnl_figure("revenue", "Revenue"), pnl_figure("expenses", "Expenses"), pnl_figure("net_income", "Net income"),
        balance("receivables", "Receivables at month end", "asset_receivable"),
        balance("payables", "Payables at month end", "liability_payable"),
        days("dso", "DSO", "asset_receivable", "revenue", compared),
        days("dpo", "DPO", "liability_payable", "expenses", compared),
        Figure(key="cash", label="Cash at month end", unit="amount", value=_total(cash, "closing"),
               previous=_total(cash_then[0], "closing"), year_ago=_total(cash_then[1], "closing")),
        Figure(key="cash_movement", label="Cash movement", unit="amount", value=_total(cash, "movement"),
               previous=_total(cash_then[0], "movement"), year_ago=_total(cash_then[1], "movement")),
        Figure(key="unmatched_bills", label="OCR invoices unreconciled", unit="count", value=Decimal(len(unmatched))),
    ]
    return MonthlyReport(
        env=env, month=str(month), month_label=month.label, month_end=month.last_day, scope=scope.name,
        company_id=scope.company_id, currency=scope.currency, translation=scope.translation,
        has_activity=bool(pnl.get(month.first_day, {}).get("items")),
        figures=figures,
        trend=[TrendPoint(month=str(m), revenue=_pnl(pnl, m, "revenue"), expenses=_pnl(pnl, m, "expenses"),
                          net_income=_pnl(pnl, m, "net_income"))
               for m in month.trend()],
        ar_aging=_aging(positions, "asset_receivable", month, previous),
        ap_aging=_aging(positions, "liability_payable", month, previous),
        top_overdue=[OverdueReceivable(company=scope.names[row.pop("company_id")], **row)
                     for row in _rows(conn, OVERDUE, {**base, "month_end": month.last_day, "top": TOP})],
        expenses_by_category=[ExpenseCategory(**row) for row in _rows(
            conn, EXPENSES, {**base, "month": month.first_day, "previous": previous.first_day})],
        cash=cash, unmatched_bills=unmatched[:TOP], unmatched_bill_count=len(unmatched), bill_threshold=threshold,
        large_unmatched_bill_count=sum(1 for bill in unmatched if bill.amount is not None and bill.amount > threshold),
        generated_at=dt.datetime.now(dt.UTC),
    )


def bill_threshold() -> Decimal:
    return Decimal(os.environ.get(BILL_THRESHOLD_VARIABLE) or "10000")


def _cash(conn: psycopg.Connection, base: dict[str, Any], scope: Scope, month: Month) -> list[CashAccount]:
    return [CashAccount(company=scope.names[row["company_id"]], account=row["account"], closing=row["closing"],
                        movement=row["movement"], opening=row["closing"] - row["movement"])
            for row in _rows(conn, CASH, {**base, "month": month.first_day})]


def _total(accounts: list[CashAccount], field: str) -> Decimal:
    return sum((getattr(account, field) for account in accounts), ZERO)


def _pnl(pnl: dict[dt.date, dict[str, Any]], month: Month, key: str) -> Decimal:
    row = pnl.get(month.first_day)
    return row[key] if row else ZERO


def _sign(account_type: str) -> int:
    return 1 if account_type == "asset_receivable" else -1  # payables are credits: shown as what is owed


def _open_totals(positions: list[dict[str, Any]], month_end: dt.date) -> dict[str, Decimal]:
    totals = {"asset_receivable": ZERO, "liability_payable": ZERO}
    for row in positions:
        if row["month_end"] == month_end:
            totals[row["account_type"]] += _sign(row["account_type"]) * row["amount"]
    return totals


def _days_outstanding(balance: Decimal, flow: Decimal | None, month: Month) -> Decimal | None:
    """DSO (receivables / revenue) or DPO (payables / expenses) x the month's days; none without a flow."""
    if not flow or flow <= 0:
        return None
    return round(balance / flow * month.days, 1)


def _aging(positions: list[dict[str, Any]], account_type: str, month: Month, previous: Month) -> list[AgingBucket]:
    def cell(month_end: dt.date, bucket: str) -> tuple[Decimal, int]:
        found = [r for r in positions if (r["month_end"], r["account_type"], r["aging_bucket"])
                 == (month_end, account_type, bucket)]
        return (_sign(account_type) * sum((r["amount"] for r in found), ZERO), sum(r["items"] for r in found))

    buckets = []
    for bucket in BUCKETS:
        (amount, items), (before, _) = cell(month.last_day, bucket), cell(previous.last_day, bucket)
        buckets.append(AgingBucket(bucket=bucket, amount=amount, previous=before, items=items))
    return buckets
