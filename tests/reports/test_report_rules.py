"""The report's parts that need no database: which months can be reported, each insight rule on figures made
for it, the schedule's tick in Manila time, and Odoo text rendered as data in the HTML and the PDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from dagster import AssetKey, DagsterInstance, build_schedule_context

from dagster_project.definitions import defs
from dagster_project.reports.charts import draw_charts
from dagster_project.reports.html import render_html
from dagster_project.reports.insights import draw
from dagster_project.reports.models import (
    AgingBucket,
    ExpenseCategory,
    Figure,
    MonthlyReport,
    OverdueReceivable,
    TrendPoint,
)
from dagster_project.reports.pdf import render_pdf
from dagster_project.reports.period import Month, MonthError, reportable

D = Decimal


def _report(**changes: object) -> MonthlyReport:
    """A quiet month: nothing in it crosses any rule's threshold."""
    figures = {
        "revenue": (D(1000), D(950), D(900)), "expenses": (D(600), D(580), D(500)),
        "net_income": (D(400), D(370), D(400)), "receivables": (D(1300), D(1250), D(1200)),
        "payables": (D(500), D(480), D(450)), "dso": (D(41), D(40), D(39)), "dpo": (D(26), D(25), D(27)),
        "cash": (D(5000), D(5100), D(4000)), "cash_movement": (D(-100), D(50), D(0)),
        "unmatched_bills": (D(0), None, None),
    }
    figures.update(changes.pop("figures", {}))  # type: ignore[arg-type]
    fields = {
        "env": "local", "month": "2026-10", "month_label": "October 2026", "month_end": dt.date(2026, 10, 31),
        "scope": "consolidated", "company_id": None, "currency": "PHP", "translation": "", "has_activity": True,
        "figures": [Figure(key=k, label=k.title(), unit="days" if k in ("dso", "dpo") else "amount", value=v,
                           previous=p, year_ago=y) for k, (v, p, y) in figures.items()],
        "trend": [TrendPoint(month=str(Month(2026, 10).plus(-i)), revenue=D(1000), expenses=D(600),
                             net_income=D(400)) for i in range(12, -1, -1)],
        "ar_aging": [AgingBucket(bucket=b, amount=D(a), previous=D(a), items=1)
                     for b, a in (("current", 900), ("1-30", 200), ("31-60", 100), ("61-90", 50), ("91-120", 30),
                                  ("120+", 20))],
        "ap_aging": [AgingBucket(bucket=b, amount=D(100), previous=D(100), items=1)
                     for b in ("current", "1-30", "31-60", "61-90", "91-120", "120+")],
        "top_overdue": [], "cash": [], "unmatched_bills": [], "unmatched_bill_count": 0,
        "bill_threshold": D(10000), "large_unmatched_bill_count": 0,
        "expenses_by_category": [ExpenseCategory(category="Rent", amount=D(300), previous=D(290)),
                                 ExpenseCategory(category="Salaries", amount=D(300), previous=D(290))],
        "generated_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    }
    return MonthlyReport(**{**fields, **changes})


def test_months_are_parsed_compared_and_refused_until_they_are_over() -> None:
    assert Month.parse("2026-01").plus(-1) == Month(2025, 12) and Month.parse("2026-10-01") == Month(2026, 10)
    assert Month(2026, 2).last_day == dt.date(2026, 2, 28) and Month(2024, 2).days == 29
    assert Month(2026, 10).trend()[0] == Month(2025, 10) and len(Month(2026, 10).trend()) == 13
    assert reportable("2026-11", on=dt.date(2026, 12, 1)) == Month(2026, 11)
    with pytest.raises(MonthError, match=r"2026-12 has not ended yet \(today is 2026-12-07.*the latest is 2026-11"):
        reportable("2026-12", on=dt.date(2026, 12, 7))
    with pytest.raises(MonthError, match="2027-01 is in the future"):
        reportable("2027-01", on=dt.date(2026, 12, 7))
    for bad in ("2026-13", "Oct 2026", "26-10"):
        with pytest.raises(MonthError, match="write it as YYYY-MM"):
            Month.parse(bad)


def test_a_quiet_month_has_no_insight() -> None:
    assert draw(_report()) == []


def test_dso_rising_names_the_days_and_the_figure() -> None:
    [insight] = draw(_report(figures={"dso": (D(47), D(41), D(39))}))
    assert (insight.message, insight.figure, insight.severity) == ("DSO rose from 41 to 47 days", "dso", "warning")
    [insight] = draw(_report(figures={"dso": (D(35), D(41), D(39))}))
    assert insight.message == "DSO fell from 41 to 35 days" and insight.severity == "info"
    [insight] = draw(_report(figures={"dpo": (D(20), D(26), D(27))}))  # suppliers paid sooner: cash leaves sooner
    assert insight.message == "DPO fell from 26 to 20 days" and insight.severity == "warning"


def test_large_unmatched_bills_are_counted_in_words() -> None:
    [insight] = draw(_report(large_unmatched_bill_count=3, unmatched_bill_count=5))
    assert insight.message == "Three vendor bills above 10,000 are unmatched in Odoo"
    assert insight.figure == "unmatched_bills" and insight.value == 3


def test_an_expense_category_doubling_is_named_only_when_material() -> None:
    doubled = [ExpenseCategory(category="Rent", amount=D(300), previous=D(140)),
               ExpenseCategory(category="Stamps", amount=D(8), previous=D(2))]  # 1.3% of expenses: too small
    [insight] = draw(_report(expenses_by_category=doubled))
    assert insight.message == "Expenses in Rent doubled from PHP 140.00 to PHP 300.00"
    assert insight.figure == "expenses:Rent"


def test_revenue_swings_losses_old_receivables_and_falling_cash() -> None:
    report = _report(figures={"revenue": (D(700), D(1000), D(1000)), "net_income": (D(-50), D(370), D(400)),
                              "cash": (D(3000), D(5100), D(4000))},
                     ar_aging=[AgingBucket(bucket="current", amount=D(100), previous=D(0), items=1),
                               AgingBucket(bucket="120+", amount=D(100), previous=D(0), items=1)])
    rules = {i.rule: i.message for i in draw(report)}
    assert rules == {
        "revenue_vs_previous": "Revenue fell 30.0% against the previous month, from PHP 1,000.00 to PHP 700.00",
        "revenue_vs_year_ago": "Revenue fell 30.0% against the same month a year before, from PHP 1,000.00 to "
                               "PHP 700.00",
        "net_loss": "The month closed at a net loss of PHP 50.00",
        "receivables_over_90_days": "50% of receivables (PHP 100.00) are more than 90 days past due",
        "cash_fell": "Cash fell 41.2% to PHP 3,000.00",
    }


def test_the_schedule_builds_the_previous_month_on_the_first_at_six_in_manila() -> None:
    schedule = defs.resolve_schedule_def("monthly_financial_report_schedule")
    assert schedule.job_name == "monthly_financial_report"
    for tick, month in ((dt.datetime(2026, 11, 1, 6, 0), "2026-10-01"), (dt.datetime(2027, 1, 1, 6, 0), "2026-12-01")):
        with DagsterInstance.ephemeral() as instance:
            context = build_schedule_context(instance=instance,
                                             scheduled_execution_time=tick.replace(tzinfo=ZoneInfo("Asia/Manila")))
            result = schedule.evaluate_tick(context)
        assert [request.partition_key for request in result.run_requests] == [month]


def test_odoo_text_is_data_in_the_html_and_the_pdf() -> None:
    hostile = "<script>alert(1)</script> & {{ 7*7 }} <b>Co</b>"
    report = _report(top_overdue=[OverdueReceivable(document="INV/1", partner=hostile, company="PH",
                                                    due_date=dt.date(2026, 9, 1), days_past_due=60, amount=D(10))],
                     scope=hostile, company_id=1)
    charts = draw_charts(report)
    html = render_html(report, charts)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ 7*7 }}" in html
    document = pypdfium2.PdfDocument(render_pdf(report, charts))
    text = " ".join(" ".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document)))
    assert hostile in text


def test_the_report_s_lineage_runs_back_to_the_odoo_tables() -> None:
    graph = defs.resolve_asset_graph()
    seen, queue = set(), [AssetKey(["reports", "monthly_financial"])]
    while queue:
        for parent in graph.get(queue.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    odoo = {key.path[1] for key in seen if key.path[0] == "odoo"}
    assert {"account_move", "account_move_line", "account_partial_reconcile", "res_partner",
            "res_currency_rate"} <= odoo
    assert AssetKey(["warehouse", "fct_open_items_month_end"]) in seen
    assert graph.get(AssetKey(["reports", "monthly_financial"])).partitions_def.get_partition_keys()[0] == "2025-01-01"


def test_only_the_report_job_is_partitioned() -> None:
    """A job that selects "everything downstream" of Odoo or OCR must leave the monthly report out: with it,
    the job would need a month, and the sensor's and the webhook's runs (which give none) would fail."""
    partitioned = {job.name for job in defs.resolve_all_job_defs()
                   if job.partitions_def is not None and not job.name.startswith("__")}  # not the implicit job
    assert partitioned == {"monthly_financial_report"}
    for name in ("ocr_ingest", "odoo_invoice_refresh"):
        keys = defs.resolve_job_def(name).asset_layer.selected_asset_keys
        assert AssetKey(["reports", "monthly_financial"]) not in keys
        assert AssetKey(["warehouse", "ocr_bill_matching" if name == "ocr_ingest" else "ar_aging"]) in keys
