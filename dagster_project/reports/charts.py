"""The report's two charts as PNG bytes (matplotlib's Agg backend: no display, same pixels everywhere)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (the backend is chosen first)
from matplotlib.ticker import FuncFormatter  # noqa: E402

from dagster_project.reports.models import MonthlyReport  # noqa: E402

COLOURS = {"revenue": "#1f6f8b", "expenses": "#d1495b", "net_income": "#2a9d8f", "ar": "#1f6f8b", "ap": "#e9a03b"}


def _short(value: float, _position: int = 0) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}"


def _png(figure: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def trend_chart(report: MonthlyReport) -> bytes:
    """Revenue, expenses and net income over the 13 months ending with the report's month."""
    figure, axes = plt.subplots(figsize=(7.2, 2.8))
    labels = [point.month[2:] for point in report.trend]
    for key, label in (("revenue", "Revenue"), ("expenses", "Expenses"), ("net_income", "Net income")):
        axes.plot(labels, [float(getattr(point, key)) for point in report.trend], marker="o", markersize=3,
                  label=label, color=COLOURS[key])
    axes.axhline(0, color="#999999", linewidth=0.6)
    axes.yaxis.set_major_formatter(FuncFormatter(_short))
    axes.set_title(f"13-month trend ({report.currency})", fontsize=10)
    axes.tick_params(labelsize=7)
    axes.legend(fontsize=7, frameon=False, ncols=3)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def aging_chart(report: MonthlyReport) -> bytes:
    """Receivables and payables per aging bucket at the month end, side by side."""
    figure, axes = plt.subplots(figsize=(7.2, 2.6))
    buckets = [bucket.bucket for bucket in report.ar_aging]
    positions = range(len(buckets))
    axes.bar([p - 0.2 for p in positions], [float(b.amount) for b in report.ar_aging], width=0.4,
             label="Receivables", color=COLOURS["ar"])
    axes.bar([p + 0.2 for p in positions], [float(b.amount) for b in report.ap_aging], width=0.4,
             label="Payables", color=COLOURS["ap"])
    axes.set_xticks(list(positions), [f"{b} days" if b[0].isdigit() else b for b in buckets])
    axes.yaxis.set_major_formatter(FuncFormatter(_short))
    axes.set_title(f"Aging at {report.month_end.isoformat()} ({report.currency})", fontsize=10)
    axes.tick_params(labelsize=7)
    axes.legend(fontsize=7, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


@dataclass(frozen=True)
class Charts:
    trend: bytes
    aging: bytes


def draw_charts(report: MonthlyReport) -> Charts:
    """Drawn once per report: the PDF and the HTML embed the same images."""
    return Charts(trend_chart(report), aging_chart(report))
