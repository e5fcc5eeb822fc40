"""Keeping secrets out of messages: the one place that masks a secret URL and scrubs known secret values
from text (an exception's message, a response) before it reaches a log, a Dagster event or stderr."""

from __future__ import annotations

import re
from collections.abc import Iterable

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MASK = "***"
# The password of a connection string: postgresql://user:<password>@host (psycopg, SQLAlchemy, libpq URIs).
URI_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def _url(text: str) -> httpx.URL | None:
    try:
        return httpx.URL(text) if "://" in text else None
    except (httpx.InvalidURL, TypeError):
        return None


def mask_url(url: str) -> str:
    """Where a secret URL points, without what makes it secret: `https://chat.example.com/***` (an incoming
    webhook's token is its path; credentials and query strings go too)."""
    parsed = _url(url)
    if parsed is None or not parsed.host:
        return MASK
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}/{MASK}"


def mask_dsn(dsn: str, mask: str = MASK) -> str:
    """A connection string with its password replaced by `mask`, parsed by SQLAlchemy (a libpq `key=value`
    string, which is no URL, is scrubbed as text)."""
    try:
        url = make_url(dsn)
    except ArgumentError:
        return redact(dsn)
    if url.password is None:
        return dsn
    return url.render_as_string(hide_password=True).replace(":***@", f":{mask}@", 1)


def dsn_password(dsn: str) -> str | None:
    """The password itself (percent-decoded: `p%40ss` in the URL is the password `p@ss`)."""
    try:
        return make_url(dsn).password
    except ArgumentError:
        return None


def uri_password(uri: str) -> str | None:
    found = URI_PASSWORD.search(uri)
    return found.group(0)[len(found.group(1)):-1] if found else None


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every connection string's password, every secret value (and a secret URL's path and query,
    which carry its token) replaced."""
    text = URI_PASSWORD.sub(rf"\1{MASK}@", text)
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        parsed = _url(secret)
        text = text.replace(secret, mask_url(secret) if parsed else MASK)
        if parsed is not None and parsed.raw_path not in (b"", b"/"):
            text = text.replace(parsed.raw_path.decode("ascii", "replace"), f"/{MASK}")
    return text
