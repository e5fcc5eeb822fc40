"""Mattermost messages after each OCR batch: one summary, and one alert per newly loaded invoice whose total is
at or above OCR_ALERT_THRESHOLD (compared in the invoice's own currency)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from dagster_project.config.mattermost import NotificationFailed, post_message
from dagster_project.ocr.pipeline import STATUS_TEXT, BatchReport, Outcome

MAX_LISTED = 20


@dataclass
class Delivery:
    posted: int = 0
    logged: int = 0
    failures: list[str] = field(default_factory=list)


def summary_text(report: BatchReport, label: str) -> str:
    counts = report.counts()
    parts = [f"{counts[s]} {STATUS_TEXT[s]}" for s in ("loaded", "recovered", "duplicate", "quarantined", "deferred")
             if counts[s] or s in ("loaded", "duplicate", "quarantined")]
    lines = [f"OCR {label}: {', '.join(parts)}"]
    troubled = report.of("quarantined") + report.of("deferred")
    lines += [f"- {_trouble(outcome)}" for outcome in troubled[:MAX_LISTED]]
    if len(troubled) > MAX_LISTED:
        lines.append(f"- and {len(troubled) - MAX_LISTED} more (see the run's metadata)")
    return "\n".join(lines)


def _trouble(outcome: Outcome) -> str:
    if outcome.status == "deferred":
        return f"left in the inbox `{outcome.name}`: {outcome.error}"
    problem = outcome.problem
    return (f"quarantined `{outcome.name}`: {problem.reason}: {problem.message} (fix: {problem.fix}; "
            f"reason file {outcome.destination}.reason.json)")


def alerts(report: BatchReport, threshold: Decimal) -> list[str]:
    """Newly loaded invoices, and those a crashed run committed without reporting ("recovered")."""
    return [_alert(o, threshold) for o in report.of("loaded") + report.of("recovered")
            if o.invoice and o.invoice.amount_total >= threshold]


def _alert(outcome: Outcome, threshold: Decimal) -> str:
    inv = outcome.invoice
    return (f"OCR invoice at or above {threshold:,.2f}: {inv.vendor_name} invoice {inv.invoice_number} of "
            f"{inv.invoice_date.isoformat()}, total {inv.amount_total:,.2f} {inv.currency_code} "
            f"(file `{outcome.name}`, sha256 {outcome.sha256[:12]})")


def notify(report: BatchReport, label: str, threshold: Decimal, webhook: str | None = None) -> Delivery:
    """Post the summary and the alerts; a webhook error is collected, not raised, so the files already filed
    and the refresh downstream are not held back by a chat server (the caller logs the failures)."""
    delivery = Delivery()
    messages = [("OCR summary", summary_text(report, label))] + [("OCR alert", t) for t in alerts(report, threshold)]
    for kind, text in messages:
        try:
            if post_message(text, webhook, kind=kind):
                delivery.posted += 1
            else:
                delivery.logged += 1
        except NotificationFailed as exc:
            delivery.failures.append(f"{kind}: {exc}")
    return delivery
