"""Fixtures of the operations tests: a real HTTP listener standing in for Mattermost's incoming webhook."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.webhook import Webhook, listening_webhook


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhook]:
    with listening_webhook("/hooks/ops-test") as hook:
        monkeypatch.setenv("MATTERMOST_WEBHOOK_URL", hook.url)
        yield hook
