"""The report as one self-contained HTML page (charts inline), from a template that is part of the package.

Autoescape is on: partner names and OCR text are data, never markup; the template itself is ours."""

from __future__ import annotations

import base64
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape

from dagster_project.reports.charts import Charts
from dagster_project.reports.layout import sections
from dagster_project.reports.models import MonthlyReport


@cache
def _template() -> Template:
    environment = Environment(loader=PackageLoader("dagster_project.reports", "templates"),
                              autoescape=select_autoescape(["html", "j2"], default=True), undefined=StrictUndefined)
    return environment.get_template("monthly.html.j2")


def render_html(report: MonthlyReport, charts: Charts) -> str:
    def inline(png: bytes) -> str:
        return base64.b64encode(png).decode("ascii")

    return _template().render(report=report, sections=sections(report), trend=inline(charts.trend),
                              aging=inline(charts.aging))
