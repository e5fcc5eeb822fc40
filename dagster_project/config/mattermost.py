"""Mattermost notifications: posted when MATTERMOST_WEBHOOK_URL is set, logged otherwise (never lost silently)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_incrementing

from dagster_project.config.redact import mask_url, redact

log = logging.getLogger(__name__)

WEBHOOK_VARIABLE = "MATTERMOST_WEBHOOK_URL"


class NotificationFailed(Exception):
    """The webhook did not take a message. The text says what happened and where (host only): the
    webhook URL is the secret, and httpx's own messages carry it."""


def post_message(text: str, webhook: str | None = None, *, kind: str = "notification",
                 fields: Mapping[str, Any] | None = None) -> bool:
    """Post `text` to the incoming webhook; True when it was posted, False when only logged.

    A webhook that answers with an error, or cannot be reached, raises `NotificationFailed` so the
    caller's run shows it. `fields` are added to the message (a slash command's `response_type`).
    """
    webhook = webhook or os.environ.get(WEBHOOK_VARIABLE)
    if not webhook:
        log.warning("%s is not set; %s logged only:\n%s", WEBHOOK_VARIABLE, kind, text)
        return False
    try:
        httpx.post(webhook, json={**(fields or {}), "text": text}, timeout=10).raise_for_status()
    except httpx.HTTPStatusError as exc:  # `from None`: the chained httpx error names the URL
        raise NotificationFailed(f"the Mattermost webhook at {mask_url(webhook)} answered "
                                 f"{exc.response.status_code} {exc.response.reason_phrase}") from None
    except httpx.HTTPError as exc:
        raise NotificationFailed(f"could not reach the Mattermost webhook at {mask_url(webhook)}: "
                                 f"{type(exc).__name__}: {redact(str(exc), [webhook])}") from None
    return True


def post_with_retry(text: str, webhook: str | None = None, *, kind: str = "notification", attempts: int = 3,
                    pause: float = 1.0, fields: Mapping[str, Any] | None = None) -> bool:
    """`post_message`, retried on a network or HTTP error (a webhook restarting), waiting `pause`, then twice
    that, and so on. The last error is raised after the text has been logged, so the message survives in the
    log even then."""

    def warn(state: RetryCallState) -> None:
        log.warning("%s: attempt %d of %d failed (%s); retrying", kind, state.attempt_number, attempts,
                    state.outcome.exception() if state.outcome else "")

    try:
        for attempt in Retrying(stop=stop_after_attempt(attempts), wait=wait_incrementing(pause, pause),
                                retry=retry_if_exception_type(NotificationFailed), before_sleep=warn, reraise=True,
                                sleep=time.sleep):
            with attempt:
                return post_message(text, webhook, kind=kind, fields=fields)
    except NotificationFailed as exc:
        log.error("%s could not be posted after %d attempts (%s):\n%s", kind, attempts, exc, text)
        raise
    raise AssertionError("unreachable: Retrying either returns or raises")
