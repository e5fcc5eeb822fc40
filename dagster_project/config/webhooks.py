"""The webhook service's settings, from environment variables only (the secrets never sit in a file of the project)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from dagster_project.config.environ import SettingError

SECRET_VARIABLE = "HYBRID_WEBHOOK_SECRET"
SLASH_TOKEN_VARIABLE = "MATTERMOST_SLASH_TOKEN"
MIN_SECRET_LENGTH = 16
MAX_BODY_BYTES = 1 << 20  # 1 MiB
MAX_SKEW_SECONDS = 300  # a timestamp further from now is a replay
PORT_VARIABLE = "HYBRID_WEBHOOKS_PORT"  # the local stack's port for it
DEFAULT_PORT = 8090


@dataclass(frozen=True)
class WebhookSettings:
    env: str
    secret: bytes
    slash_token: str | None  # None: the slash-command endpoint refuses every call


def load_settings(env: str, environ: Mapping[str, str] | None = None) -> WebhookSettings:
    environ = os.environ if environ is None else environ
    secret = environ.get(SECRET_VARIABLE, "")
    if len(secret) < MIN_SECRET_LENGTH:
        state = "is not set" if not secret else f"has {len(secret)} characters (at least {MIN_SECRET_LENGTH})"
        raise SettingError(f"{SECRET_VARIABLE} {state}: every callback is signed with it; fix: "
                              f"export {SECRET_VARIABLE}=$(openssl rand -hex 32) and give the senders the same value")
    return WebhookSettings(env, secret.encode(), environ.get(SLASH_TOKEN_VARIABLE) or None)
