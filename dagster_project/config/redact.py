"""Keeping secrets out of messages: the one place that masks a secret URL and scrubs known secret values
from text (an exception's message, a response) before it reaches a log, a Dagster event or stderr."""

from __future__ import annotations

from collections.abc import Iterable

import httpx

MASK = "***"


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


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every secret value (and a URL's path and query, which carry its token) replaced."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        parsed = _url(secret)
        text = text.replace(secret, mask_url(secret) if parsed else MASK)
        if parsed is not None and parsed.raw_path not in (b"", b"/"):
            text = text.replace(parsed.raw_path.decode("ascii", "replace"), f"/{MASK}")
    return text
