"""Numbers, dates and the COPY text format.

Amounts are integer cents and rates integers scaled by ``RATE_SCALE``; these turn them into the exact
literals Postgres stores, and rows into COPY text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence

RATE_SCALE = 10**10
ZERO = "0.00"
NULL = "\\N"
_HUNDREDTHS = tuple(f"{n:02d}" for n in range(100))
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def money(cents: int) -> str:
    """Cents as a numeric literal with two decimals (exact, no float; hot path: a table for the cents)."""
    if cents >= 0:
        return f"{cents // 100}.{_HUNDREDTHS[cents % 100]}"
    return f"-{-cents // 100}.{_HUNDREDTHS[-cents % 100]}"


def div_round(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, like Odoo's float_round (denominator > 0)."""
    quotient = (2 * abs(numerator) + denominator) // (2 * denominator)
    return quotient if numerator >= 0 else -quotient


def to_company(amount: int, rate: int) -> int:
    """Document-currency cents to company-currency cents; ``rate`` = document units per company unit."""
    return div_round(amount * RATE_SCALE, rate)


def rate_text(rate: int) -> str:
    units, fraction = divmod(rate, RATE_SCALE)
    return f"{units}.{fraction:010d}"


def stamp(day: dt.date, key: int) -> str:
    """A deterministic office-hours timestamp on ``day``, spread by ``key``."""
    seconds = 8 * 3600 + (key * 7919) % 32400
    return f"{day.isoformat()} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def jtext(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def translated(en: str, **others: str) -> str:
    return jtext({"en_US": en, **others})


def text(value: str | None) -> str:
    """One text field in COPY format: ``\\N`` for NULL, backslash escapes where needed."""
    if value is None:
        return NULL
    return value.translate(_COPY_ESCAPES) if "\\" in value or not value.isprintable() else value


def copy_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as COPY text format: tab separated, backslash escapes, ``\\N`` for NULL (inlined: hot path)."""
    string, escapes = str, _COPY_ESCAPES
    return "".join(
        [
            "\t".join(
                [
                    "\\N"
                    if v is None
                    else str(v)
                    if v.__class__ is not string
                    else v.translate(escapes)
                    if "\\" in v or not v.isprintable()
                    else v  # type: ignore[union-attr]
                    for v in row
                ]
            )
            + "\n"
            for row in rows
        ]
    )
