"""Whether the live path keeps the marts current (docs/marts.md#live-marts): then Dagster's eager dbt runs per
replica change are off by default (the worker does that work in seconds, and two writers of one table race),
and dbt runs only nightly and by hand. HYBRID_LIVE_MARTS=off brings the eager runs back."""

from __future__ import annotations

import os
from collections.abc import Mapping

VARIABLE = "HYBRID_LIVE_MARTS"
OFF = ("off", "0", "false", "no")


def live_marts_enabled(environ: Mapping[str, str] | None = None) -> bool:
    value = (os.environ if environ is None else environ).get(VARIABLE, "on")
    return value.strip().lower() not in OFF
