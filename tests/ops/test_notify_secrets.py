"""The Mattermost webhook URL is a secret (its path is the token): a webhook that is down or answers an
error is reported with its host only, in the exception, its traceback and the log."""

from __future__ import annotations

import logging
import traceback

import pytest

from dagster_project.config.mattermost import NotificationFailed, post_with_retry
from dagster_project.config.redact import mask_dsn, mask_url, redact
from dagster_project.stack.scratch import free_port
from dagster_project.superset.bundle import MASK, database_uri
from dagster_project.superset.templates import load_sources
from tests.webhook import listening_webhook

TOKEN = "x7k2p9secrettoken"


def _everything_said(exc: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join([str(exc), repr(exc), "".join(traceback.format_exception(exc)), caplog.text])


def test_a_webhook_that_is_down_is_reported_by_host_without_the_token(caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://127.0.0.1:{free_port()}/hooks/{TOKEN}"
    caplog.set_level(logging.INFO)
    with pytest.raises(NotificationFailed) as raised:
        post_with_retry("hello", url, kind="test alert", attempts=2, pause=0)
    said = _everything_said(raised.value, caplog)
    assert TOKEN not in said
    assert "could not reach the Mattermost webhook at http://127.0.0.1:" in str(raised.value)
    assert "test alert could not be posted after 2 attempts" in caplog.text and "hello" in caplog.text


def test_a_webhook_answering_500_is_reported_by_status_without_the_token(caplog: pytest.LogCaptureFixture) -> None:
    with listening_webhook(f"/hooks/{TOKEN}") as hook:
        hook.status = 500
        with pytest.raises(NotificationFailed) as raised:
            post_with_retry("hello", hook.url, attempts=2, pause=0)
    assert len(hook.received) == 2
    assert TOKEN not in _everything_said(raised.value, caplog)
    assert str(raised.value).endswith("/*** answered 500 Internal Server Error")


def test_mask_and_redact_keep_the_host_and_drop_what_is_secret() -> None:
    assert mask_url(f"https://chat.example.com/hooks/{TOKEN}?x=1") == "https://chat.example.com/***"
    assert mask_url("postgresql://user:pw@db:5432/x") == "postgresql://db:5432/***"
    assert mask_url("not a url") == "***"
    url = f"https://chat.example.com/hooks/{TOKEN}"
    assert redact(f"POST {url} failed; path /hooks/{TOKEN}; pw hunter2", [url, "hunter2", None]) == \
        "POST https://chat.example.com/*** failed; path /***; pw ***"


def test_a_connection_string_keeps_everything_but_its_password_and_the_bundle_gets_the_password_itself() -> None:
    """SQLAlchemy parses the URL: a password with `@` or `:` is percent-encoded in it, and Superset's import must
    get the password itself (it was sent encoded: `p%40ss` where the password is `p@ss`)."""
    uri = "postgresql+psycopg2://superset_reader:p%40ss%3Aw0rd@db.internal:5432/postgres?sslmode=verify-full"
    assert mask_dsn(uri) == "postgresql+psycopg2://superset_reader:***@db.internal:5432/postgres?sslmode=verify-full"
    assert mask_dsn("postgresql://ops@db/postgres") == "postgresql://ops@db/postgres", "no password: as it is"
    sources = load_sources("staging")
    variable = sources.values["database"]["uri_env"]
    masked, password = database_uri(sources, {variable: uri})
    assert password == "p@ss:w0rd"
    assert masked == f"postgresql+psycopg2://superset_reader:{MASK}@db.internal:5432/postgres?sslmode=verify-full"
