"""Environment variables: overrides that are always put back (dbt runs and benchmarks set variables only for
their own duration), and the number parsing every settings module shares (each words its own error)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation


class SettingError(ValueError):
    """A setting's variable is missing or holds a value that cannot be used; the message names the variable
    and the fix. One class for every settings module (OCR, operations, the webhook service)."""


@contextmanager
def environ_overrides(values: Mapping[str, str]) -> Iterator[Mapping[str, str]]:
    """Set `values` in os.environ for the block, then restore what was there (or remove what was not)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield values
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def finite_decimal(raw: str) -> Decimal | None:
    """The number `raw` spells, or None when it is none (or NaN, or infinite)."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def positive_int(raw: str) -> int | None:
    """A whole number of 1 or more written in digits alone, or None."""
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None
