"""The report as a PDF (ReportLab's platypus): title, summary, insights, key figures, charts, then the tables.

Text from Odoo or OCR (partner names, document numbers) goes into table cells as plain strings, which
ReportLab does not parse; the few paragraphs that carry such text are escaped first (its markup is XML)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dagster_project.reports.charts import Charts
from dagster_project.reports.layout import Section, sections
from dagster_project.reports.models import MonthlyReport

WIDTH = A4[0] - 30 * mm


def _table(section: Section) -> Table:
    table = Table([section.headers, *section.rows], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef2")),
        ("ALIGN", (section.numeric_from, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


def _chart(png: bytes, height_mm: float) -> Image:
    return Image(io.BytesIO(png), width=WIDTH, height=height_mm * mm)


def render_pdf(report: MonthlyReport, charts: Charts) -> bytes:
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["Italic"]
    story = [Paragraph(escape(report.title), styles["Title"]),
             Paragraph(escape(f"Environment {report.env}; amounts in {report.currency}; generated "
                              f"{report.generated_at:%Y-%m-%d %H:%M} UTC from the warehouse marts."), small)]
    if report.translation:
        story.append(Paragraph(escape(report.translation + "."), small))
    story += [Spacer(0, 3 * mm), Paragraph(escape(report.summary()), styles["Heading3"])]
    story.append(Paragraph("Insights", styles["Heading2"]))
    story += [Paragraph(f"&bull; {escape(i.message)} <font color='#777777' size='7'>({escape(i.figure)})</font>",
                        body) for i in report.insights] or [Paragraph("Nothing crossed a rule's threshold.", body)]
    first, *rest = sections(report)
    story += [Paragraph(first.title, styles["Heading2"]), _table(first), Spacer(0, 3 * mm),
              _chart(charts.trend, 70), _chart(charts.aging, 65)]
    for section in rest:
        content = _table(section) if section.rows else Paragraph(escape(section.empty), body)
        story.append(KeepTogether([Paragraph(escape(section.title), styles["Heading3"]), content]))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                                 bottomMargin=14 * mm, title=report.title, author="hybrid", subject=report.month,
                                 invariant=1)
    document.build(story)
    return buffer.getvalue()
