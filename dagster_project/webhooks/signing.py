"""HMAC-SHA256 signatures of callbacks: `X-Hybrid-Signature: sha256=<hex>` over `timestamp + "." + raw body`,
with `X-Hybrid-Timestamp` in unix seconds no more than five minutes from now (an older one is a replay)."""

from __future__ import annotations

import hashlib
import hmac
import time

from dagster_project.config.webhooks import MAX_SKEW_SECONDS

TIMESTAMP_HEADER = "X-Hybrid-Timestamp"
SIGNATURE_HEADER = "X-Hybrid-Signature"
PREFIX = "sha256="


class Unauthorized(Exception):
    """A refused signature (HTTP 401); the message says which part failed, never the expected value."""


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return PREFIX + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(secret: bytes, body: bytes, now: float | None = None) -> dict[str, str]:
    """The headers a sender adds (the tests and docs/webhooks.md's example sender use this)."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(secret: bytes, timestamp: str | None, given: str | None, body: bytes, now: float | None = None) -> None:
    if not timestamp or not given:
        raise Unauthorized(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER}; fix: sign the call (docs/webhooks.md)")
    try:
        sent = int(timestamp)
    except ValueError:
        raise Unauthorized(f"{TIMESTAMP_HEADER} is not unix seconds") from None
    if abs((time.time() if now is None else now) - sent) > MAX_SKEW_SECONDS:
        raise Unauthorized(f"{TIMESTAMP_HEADER} is more than {MAX_SKEW_SECONDS} s from now (a replay, or the "
                           "sender's clock is off)")
    if not hmac.compare_digest(signature(secret, timestamp, body), given.strip()):
        raise Unauthorized(f"{SIGNATURE_HEADER} does not match the body; fix: sign timestamp + '.' + the raw body "
                           "with HYBRID_WEBHOOK_SECRET")
