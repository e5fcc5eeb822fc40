"""Drift alerts: posted to Mattermost when MATTERMOST_WEBHOOK_URL is set, logged otherwise."""

from __future__ import annotations

from dagster_project.config.mattermost import post_message
from dagster_project.superset.drift import DriftReport


def drift_message(report: DriftReport) -> str:
    lines = [f"**Superset drift in {report.env}**: {len(report.changes)} object(s) changed outside the code"]
    lines += [f"- {c['action']} {c['type']} '{c['name']}'"
              + (f": {', '.join(f['path'] for f in c['fields'])}" if c["fields"] else "") for c in report.changes[:20]]
    lines.append("Adopt with `hybrid export` or restore with `hybrid apply --env " + report.env + "`.")
    return "\n".join(lines)


def notify_drift(report: DriftReport, webhook: str | None = None) -> bool:
    """True when a message was posted; no drift, no message."""
    if not report.changes:
        return False
    return post_message(drift_message(report), webhook, kind="drift alert")
