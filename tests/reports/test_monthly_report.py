"""The monthly report on a seeded warehouse after a real `dbt build`: its figures equal sums written
independently against Odoo's tables, an empty month says so, the PDF parses back, the Dagster asset stores
and records every scope, and delivery reaches a local server standing in for Mattermost."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import psycopg
import pypdfium2
import pytest
from click.testing import CliRunner
from dagster import DagsterInstance, materialize

from dagster_project.cli.main import cli
from dagster_project.reports.build import build_report, produce
from dagster_project.reports.defs import reports_definitions
from dagster_project.reports.deliver import deliver
from dagster_project.reports.period import Month, today
from dagster_project.resources.postgres import PostgresResource
from tests.dbt import independent
from tests.dbt.helpers import Warehouse, assert_succeeded, seeded_warehouse
from tests.dbt.ocr_invoices import Plant, plant_ocr_invoices
from tests.reports.mattermost_api import CHANNEL_ID, mattermost_api
from tests.warehouse_env import warehouse_variables

pytestmark = pytest.mark.stack
MONTH = Month.containing(today()).plus(-1)  # the last month that is over: the seed's history covers 18 months
CENTS = Decimal("0.01")

# Receivables per company at a month end from Odoo's own tables: each posted receivable line's balance less
# the partial reconciliations (max_date on or before the date) that settled it, plus those it settled.
RECEIVABLES_AT = """
    SELECT l.company_id, sum(l.balance
        - coalesce((SELECT sum(p.amount) FROM account_partial_reconcile p
                    WHERE p.debit_move_id = l.id AND p.max_date <= %(day)s), 0)
        + coalesce((SELECT sum(p.amount) FROM account_partial_reconcile p
                    WHERE p.credit_move_id = l.id AND p.max_date <= %(day)s), 0))
    FROM account_move_line l JOIN account_account a ON a.id = l.account_id
    WHERE l.parent_state = 'posted' AND a.account_type = 'asset_receivable' AND l.date <= %(day)s
    GROUP BY 1"""
# company -> PHP per unit of its currency on a day, from res_currency_rate (Odoo keeps units per PHP).
TO_PHP = """
    SELECT c.id, CASE WHEN cur.name = 'PHP' THEN 1 ELSE 1 / (
        SELECT r.rate FROM res_currency_rate r JOIN res_company g ON g.id = r.company_id
        WHERE g.name = 'Hybrid Finance PH Inc.' AND r.currency_id = c.currency_id AND r.name <= %(day)s
        ORDER BY r.name DESC LIMIT 1) END
    FROM res_company c JOIN res_currency cur ON cur.id = c.currency_id"""


@pytest.fixture(scope="module")
def warehouse(make_database, tmp_path_factory) -> Warehouse:
    built = seeded_warehouse(make_database, "report_marts", tmp_path_factory.mktemp("report-dbt"), dt.date.today())
    plants = plant_ocr_invoices(built.dsn)
    assert_succeeded(built.dbt("build"))
    built.plants = plants  # type: ignore[attr-defined]
    return built


@pytest.fixture
def reports_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HYBRID_REPORTS_DIR", str(tmp_path / "reports"))
    for name in ("MATTERMOST_URL", "MATTERMOST_BOT_TOKEN", "MATTERMOST_WEBHOOK_URL", "MATTERMOST_REPORTS_CHANNEL_ID"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "reports"


def _connect(warehouse: Warehouse) -> psycopg.Connection:
    return psycopg.connect(warehouse.dsn, autocommit=True)


def _independent(warehouse: Warehouse, month: Month) -> dict[int, dict[str, Decimal]]:
    """company -> revenue, expenses, net income (the income statement's sections) and receivables."""
    sections = {(c, m): row for c, m, *row in warehouse.rows(independent.INCOME_STATEMENT)}
    figures = {}
    for company, receivable in warehouse.rows(RECEIVABLES_AT, {"day": month.last_day}):
        revenue, _other, cost, opex, depreciation, other, net = sections.get((company, month.first_day), [0] * 7)
        figures[company] = {"revenue": Decimal(revenue), "expenses": Decimal(cost + opex + depreciation + other),
                            "net_income": Decimal(net), "receivables": receivable}
    return figures


def test_each_company_s_figures_equal_sums_computed_from_odoo(warehouse: Warehouse) -> None:
    expected, previous, year_ago = (_independent(warehouse, m) for m in (MONTH, MONTH.plus(-1), MONTH.plus(-12)))
    with _connect(warehouse) as conn:
        for company, figures in expected.items():
            report = build_report(conn, "local", MONTH, str(company))
            assert report.has_activity
            for key, value in figures.items():
                assert report.figure(key).value == value, (company, key)
            assert report.figure("revenue").previous == previous[company]["revenue"]
            assert report.figure("revenue").year_ago == year_ago[company]["revenue"]


def test_the_consolidated_figures_translate_each_company_at_the_month_end_rate(warehouse: Warehouse) -> None:
    expected, rates = _independent(warehouse, MONTH), dict(warehouse.rows(TO_PHP, {"day": MONTH.last_day}))
    assert sorted(set(rates.values()))[0] == 1 and len(set(rates.values())) == 2  # PHP companies and the US one
    with _connect(warehouse) as conn:
        report = build_report(conn, "local", MONTH, None)
    assert report.currency == "PHP" and "USD amounts translated into PHP" in report.translation
    for key in ("revenue", "expenses", "receivables"):
        total = sum(figures[key] * rates[company] for company, figures in expected.items())
        assert report.figure(key).value.quantize(CENTS) == total.quantize(CENTS), key


def test_month_end_aging_and_dso_come_from_the_same_positions(warehouse: Warehouse) -> None:
    with _connect(warehouse) as conn:
        report = build_report(conn, "local", MONTH, "Hybrid Finance PH Inc.")
    receivables, revenue = report.figure("receivables").value, report.figure("revenue").value
    assert sum(bucket.amount for bucket in report.ar_aging) == receivables
    assert report.figure("dso").value == round(receivables / revenue * MONTH.days, 1)
    assert len(report.top_overdue) == 10
    amounts = [item.amount for item in report.top_overdue]
    assert amounts == sorted(amounts, reverse=True) and all(item.days_past_due > 0 for item in report.top_overdue)
    overdue = sum(b.amount for b in report.ar_aging if b.bucket != "current")
    assert sum(amounts) <= overdue


def test_unreconciled_ocr_invoices_are_listed_and_large_ones_are_an_insight(warehouse: Warehouse) -> None:
    plants: dict[str, Plant] = warehouse.plants  # type: ignore[attr-defined]
    open_plants = [p for p in plants.values() if p.status != "matched"
                   and p.invoice["invoice_date"] <= MONTH.last_day]
    with _connect(warehouse) as conn:
        report = build_report(conn, "local", MONTH, None)
    assert report.unmatched_bill_count == len(open_plants) > 0
    large = [p for p in open_plants if p.invoice["amount_total"] > 10000]
    assert report.large_unmatched_bill_count == len(large)
    found = [i for i in report.insights if i.rule == "large_bills_unmatched"]
    assert bool(found) == bool(large) and (not found or found[0].figure == "unmatched_bills")


def test_a_month_without_activity_gives_a_report_that_says_so(warehouse: Warehouse, reports_dir: Path) -> None:
    empty = Month.containing(dt.date.today()).plus(-36)  # before the seed's history
    with _connect(warehouse) as conn:
        stored = produce(conn, "local", empty, None)
    report = stored.report
    assert not report.has_activity and report.figure("revenue").value == 0
    assert report.summary().startswith(f"No posted activity in {empty.label}")
    assert not [i for i in report.insights if i.rule in ("net_loss", "revenue_vs_previous")]
    assert report.summary() in _pdf_text(stored.pdf.path)


def test_a_month_that_has_not_ended_is_refused_with_the_latest_one_named() -> None:
    for month in (Month.containing(today()), Month.containing(today()).plus(3)):
        result = CliRunner().invoke(cli, ["report", "monthly", "--month", str(month), "--env", "local"])
        assert result.exit_code == 2, result.output
        assert f"the latest is {MONTH}" in result.output and str(month) in result.output
    result = CliRunner().invoke(cli, ["report", "monthly", "--month", "October", "--env", "local"])
    assert result.exit_code == 2 and "write it as YYYY-MM" in result.output


def _pdf_text(path: Path) -> str:
    document = pypdfium2.PdfDocument(path)
    text = " ".join(document[index].get_textpage().get_text_range() for index in range(len(document)))
    return " ".join(text.split())  # lines wrap where the layout wraps them


def test_the_cli_stores_a_pdf_that_parses_back_with_its_headline_figures(
        warehouse: Warehouse, reports_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in warehouse_variables(warehouse.dsn).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["report", "monthly", "--month", str(MONTH), "--company",
                                      "hybrid finance us llc", "--env", "local", "--output", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    pdf = Path(document["files"]["pdf"]["path"])
    assert pdf.is_relative_to(reports_dir) and pdf.name.startswith("company-")
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == document["files"]["pdf"]["sha256"]
    assert len(pypdfium2.PdfDocument(pdf)) >= 2
    text = _pdf_text(pdf)
    revenue = Decimal(str(document["figures"]["revenue"]["value"]))
    assert f"Monthly financial report: {MONTH.label}, Hybrid Finance US LLC" in text
    assert f"USD {revenue:,.2f}" in text
    for insight in document["insights"]:
        assert insight["message"] in text
    html = Path(document["files"]["html"]["path"]).read_text()
    assert f"USD {revenue:,.2f}" in html and html.count("data:image/png;base64,") == 2
    assert json.loads(Path(document["files"]["json"]["path"]).read_text())["scope"] == "Hybrid Finance US LLC"


def test_the_asset_stores_every_scope_records_it_and_posts_the_summary(
        warehouse: Warehouse, reports_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with mattermost_api() as api:
        monkeypatch.setenv("MATTERMOST_WEBHOOK_URL", f"{api.url}/hooks/finance")
        definitions = reports_definitions("local")
        result = materialize(definitions.assets, partition_key=MONTH.first_day.isoformat(),
                             resources={"warehouse": PostgresResource(dsn=warehouse.dsn)},
                             instance=DagsterInstance.ephemeral())
    assert result.success
    [materialization] = result.asset_materializations_for_node("reports__monthly_financial")
    metadata = materialization.metadata
    pdf = Path(metadata["pdf"].value)
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == metadata["pdf_sha256"].value
    scopes = [entry["scope"] for entry in metadata["reports"].value]
    assert scopes[0] == "consolidated" and len(scopes) == 4
    rows = warehouse.rows("SELECT scope, format, sha256, run_id FROM ops.reports WHERE month = %s",
                          (MONTH.first_day,))
    assert len(rows) == 12 and {r[3] for r in rows} == {result.run_id}
    assert {(s, f) for s, f, _, _ in rows} == {(s, f) for s in scopes for f in ("pdf", "html", "json")}
    [hook] = api.hooks
    first = json.loads(Path(metadata["reports"].value[0]["json_path"]).read_text())
    assert hook["text"].startswith(f"#### Monthly financial report: {MONTH.label}, Consolidated")
    assert f"partition={MONTH.first_day.isoformat()}" in hook["text"] and str(pdf) in hook["text"]
    assert all(f"- {insight['message']}" in hook["text"] for insight in first["insights"])


def test_with_a_bot_token_the_pdfs_are_uploaded_and_attached(
        warehouse: Warehouse, reports_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _connect(warehouse) as conn:
        stored = [produce(conn, "local", MONTH, company) for company in (None, "1")]
    with mattermost_api() as api:
        monkeypatch.setenv("MATTERMOST_URL", api.url)
        monkeypatch.setenv("MATTERMOST_BOT_TOKEN", api.token)
        monkeypatch.setenv("MATTERMOST_TEAM", "finance")
        delivery = deliver(stored)
        monkeypatch.setenv("MATTERMOST_BOT_TOKEN", "revoked")
        with pytest.raises(Exception, match="answered 401 to /api/v4/teams"):
            deliver(stored)
    assert delivery.mode == "upload" and delivery.file_ids == ["file1", "file2"]
    assert api.lookups == ["/api/v4/teams/name/finance/channels/name/finance-reports"]
    assert [f["content"] for f in api.files] == [s.pdf.path.read_bytes() for s in stored]
    assert {f["channel_id"] for f in api.files} == {CHANNEL_ID}
    [post] = api.posts
    assert post["channel_id"] == CHANNEL_ID and post["file_ids"] == ["file1", "file2"]
    assert stored[0].report.summary() in post["message"] and "Report: " not in post["message"]
