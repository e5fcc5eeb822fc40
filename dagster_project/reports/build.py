"""Building a month's reports: the one function the Dagster asset and `hybrid report monthly` both call."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from dagster_project.reports.charts import draw_charts
from dagster_project.reports.figures import read_report
from dagster_project.reports.html import render_html
from dagster_project.reports.insights import draw
from dagster_project.reports.models import MonthlyReport
from dagster_project.reports.pdf import render_pdf
from dagster_project.reports.period import Month
from dagster_project.reports.scope import companies, resolve
from dagster_project.reports.store import StoredReport, record, write_files


def build_report(conn: psycopg.Connection, env: str, month: Month, company: str | None) -> MonthlyReport:
    """The figures and insights of one scope (a company's name or id; None is consolidated)."""
    report = read_report(conn, env, month, resolve(conn, company, month))
    report.insights = draw(report)
    return report


def produce(conn: psycopg.Connection, env: str, month: Month, company: str | None,
            run_id: str | None = None) -> StoredReport:
    """Build, render (PDF, HTML, JSON), store and record one scope's report."""
    report = build_report(conn, env, month, company)
    charts = draw_charts(report)
    stored = write_files(report, {"pdf": render_pdf(report, charts), "html": render_html(report, charts).encode(),
                                  "json": report.model_dump_json(indent=2).encode()})
    record(conn, stored, run_id)
    return stored


def produce_all(conn: psycopg.Connection, env: str, month: Month, run_id: str | None = None,
                progress: Callable[[str], None] = lambda _: None) -> list[StoredReport]:
    """The consolidated report, then each company's."""
    scopes: list[str | None] = [None, *(str(company.company_id) for company in companies(conn))]
    stored = []
    for index, scope in enumerate(scopes, start=1):
        stored.append(produce(conn, env, month, scope, run_id))
        progress(f"[{index}/{len(scopes)}] {stored[-1].report.scope}: {stored[-1].pdf.path}")
    return stored
