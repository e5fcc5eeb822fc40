"""Posting the month's reports to the finance channel.

With a bot (MATTERMOST_URL and MATTERMOST_BOT_TOKEN) the PDFs are uploaded through Mattermost's API and
attached to one post: an incoming webhook cannot attach files. Otherwise the message goes to the incoming
webhook (MATTERMOST_WEBHOOK_URL) with a link to the stored report, or, with neither, to the log."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

import httpx

from dagster_project.config.mattermost import NotificationFailed, post_with_retry
from dagster_project.config.redact import mask_url
from dagster_project.ops.settings import webserver_url
from dagster_project.reports.store import StoredReport, relative_path

URL_VARIABLE = "MATTERMOST_URL"  # the server, e.g. https://chat.example.com
TOKEN_VARIABLE = "MATTERMOST_BOT_TOKEN"
CHANNEL_ID_VARIABLE = "MATTERMOST_REPORTS_CHANNEL_ID"  # or the channel found by team and name:
TEAM_VARIABLE = "MATTERMOST_TEAM"
CHANNEL_VARIABLE = "MATTERMOST_REPORTS_CHANNEL"
DEFAULT_CHANNEL = "finance-reports"
LINK_BASE_VARIABLE = "HYBRID_REPORTS_BASE_URL"  # where the reports directory is served, if it is
MAX_FILES = 5  # Mattermost attaches at most five files to a post


@dataclass(frozen=True)
class Delivery:
    mode: Literal["upload", "webhook", "logged"]
    post_id: str | None = None
    file_ids: list[str] = field(default_factory=list)


def report_link(stored: StoredReport) -> str:
    """The stored PDF's address when the reports directory is served, else the Dagster partition's page."""
    base = os.environ.get(LINK_BASE_VARIABLE)
    if base:
        return f"{base.rstrip('/')}/{relative_path(stored.report, 'pdf')}"
    return f"{webserver_url()}/assets/reports/monthly_financial?partition={stored.report.month}-01"


def message(reports: list[StoredReport], attached: bool) -> str:
    """The consolidated report's summary and insights first, then one line per company."""
    first = reports[0].report
    lines = [f"#### {first.title}", first.summary()]
    lines += [f"- {insight.message}" for insight in first.insights] or ["- No rule crossed its threshold."]
    for stored in reports[1:]:
        report = stored.report
        lines.append(f"**{report.scope}**: {report.summary()} ({len(report.insights)} insights)")
    if not attached:
        lines.append(f"Report: {report_link(reports[0])} (stored at {reports[0].pdf.path})")
    return "\n".join(lines)


def deliver(reports: list[StoredReport]) -> Delivery:
    url, token = os.environ.get(URL_VARIABLE), os.environ.get(TOKEN_VARIABLE)
    if url and token:
        return _upload(url.rstrip("/"), token, reports)
    posted = post_with_retry(message(reports, attached=False), kind="monthly report")
    return Delivery("webhook" if posted else "logged")


def _upload(url: str, token: str, reports: list[StoredReport]) -> Delivery:
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            channel = os.environ.get(CHANNEL_ID_VARIABLE) or _channel_id(client)
            uploaded = client.post("/api/v4/files", data={"channel_id": channel}, files=[
                ("files", (stored.pdf.path.name, stored.pdf.path.read_bytes(), "application/pdf"))
                for stored in reports[:MAX_FILES]])
            uploaded.raise_for_status()
            file_ids = [info["id"] for info in uploaded.json()["file_infos"]]
            text = message(reports, attached=True)
            if len(reports) > MAX_FILES:
                text += "\nThe other companies' reports: " + ", ".join(report_link(s) for s in reports[MAX_FILES:])
            post = client.post("/api/v4/posts", json={"channel_id": channel, "message": text, "file_ids": file_ids})
            post.raise_for_status()
    except httpx.HTTPStatusError as exc:  # `from None`: httpx's own text would repeat the request
        raise NotificationFailed(f"Mattermost at {mask_url(url)} answered {exc.response.status_code} to "
                                 f"{exc.request.url.path}; check {TOKEN_VARIABLE} (the bot must be a member "
                                 "of the channel) and the channel settings") from None
    except httpx.HTTPError as exc:
        raise NotificationFailed(f"could not reach Mattermost at {mask_url(url)}: {type(exc).__name__}") from None
    return Delivery("upload", post.json().get("id"), file_ids)


def _channel_id(client: httpx.Client) -> str:
    team, name = os.environ.get(TEAM_VARIABLE), os.environ.get(CHANNEL_VARIABLE) or DEFAULT_CHANNEL
    if not team:
        raise NotificationFailed(f"{TOKEN_VARIABLE} is set but not where to post: set {CHANNEL_ID_VARIABLE}, or "
                                 f"{TEAM_VARIABLE} (the team's name) to post in its '{name}' channel")
    found = client.get(f"/api/v4/teams/name/{_segment(team)}/channels/name/{_segment(name)}")
    found.raise_for_status()
    return found.json()["id"]


def _segment(text: str) -> str:
    return quote(text, safe="")  # a team or channel name from the environment is one path segment
