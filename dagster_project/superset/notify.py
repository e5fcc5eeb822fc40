"""Drift alerts: posted to Mattermost when MATTERMOST_WEBHOOK_URL is set, logged otherwise."""

from __future__ import annotations

import logging
import os

import httpx

from dagster_project.superset.drift import DriftReport

log = logging.getLogger(__name__)


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
    webhook = webhook or os.environ.get("MATTERMOST_WEBHOOK_URL")
    text = drift_message(report)
    if not webhook:
        log.warning("MATTERMOST_WEBHOOK_URL is not set; drift alert logged only:\n%s", text)
        return False
    httpx.post(webhook, json={"text": text}, timeout=10).raise_for_status()
    return True
