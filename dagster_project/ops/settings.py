"""The operations settings: environment variables read when a tick or run needs them, so a bad value fails that
tick or run with a message naming the variable, never the whole code location."""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal

from dagster_project.config.environ import SettingError, finite_decimal, positive_int

THRESHOLD_VARIABLE = "BIG_INVOICE_THRESHOLD"
DEFAULT_THRESHOLD = Decimal("10000")
WEBSERVER_VARIABLE = "DAGSTER_WEBSERVER_URL"
DEFAULT_WEBSERVER = "http://localhost:3000"
RETENTION_VARIABLE = "DAGSTER_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30
FAILED_RETENTION_VARIABLE = "DAGSTER_RETENTION_FAILED_DAYS"
DEFAULT_FAILED_RETENTION_DAYS = 90


def big_invoice_threshold(environ: Mapping[str, str] | None = None) -> Decimal:
    """The alert threshold in the company's currency (amount_total_signed), default 10,000."""
    raw = _raw(THRESHOLD_VARIABLE, environ)
    if raw is None:
        return DEFAULT_THRESHOLD
    value = finite_decimal(raw.replace(",", "").replace("_", ""))
    if value is None or value <= 0:
        raise SettingError(f"{THRESHOLD_VARIABLE}={raw!r} is not a positive amount; set it to the smallest "
                           f"company-currency total that should alert, e.g. {THRESHOLD_VARIABLE}=10000")
    return value


def webserver_url(environ: Mapping[str, str] | None = None) -> str:
    """Where the Dagster UI is reachable from a Mattermost reader's browser."""
    return (_raw(WEBSERVER_VARIABLE, environ) or DEFAULT_WEBSERVER).rstrip("/")


def retention_days(environ: Mapping[str, str] | None = None) -> int:
    """Days of runs (finished successfully or cancelled), runless asset events, ticks and ops rows kept."""
    return _days(RETENTION_VARIABLE, DEFAULT_RETENTION_DAYS, environ)


def failed_retention_days(environ: Mapping[str, str] | None = None) -> int:
    """Failed runs are kept longer (default 90 days, never fewer than the general retention): they are
    what a post-mortem reads."""
    return max(_days(FAILED_RETENTION_VARIABLE, DEFAULT_FAILED_RETENTION_DAYS, environ), retention_days(environ))


def _days(name: str, default: int, environ: Mapping[str, str] | None) -> int:
    raw = _raw(name, environ)
    if raw is None:
        return default
    value = positive_int(raw)
    if value is None:
        raise SettingError(f"{name}={raw!r} is not a whole number of days (1 or more); e.g. {name}={default}")
    return value


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name, "").strip()
    return value or None
