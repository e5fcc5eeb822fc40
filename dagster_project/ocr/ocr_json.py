"""The platform's OCR JSON: what the OCR service answers, what a pre-extracted `<name>.json` holds and what
the local Tesseract engine produces. Every field may be None or absent; validation happens at loading.

Numbers are `Decimal` (JSON parsed with `parse_float=Decimal`, as the loader parses pre-extracted files), so
amounts keep their cents exactly; serialize with `json.dumps(..., default=str)`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal, TypedDict

Engine = Literal["service", "tesseract", "json"]


class Party(TypedDict):
    name: str | None
    vat: str | None


class Line(TypedDict, total=False):
    description: str
    quantity: Decimal | None
    unit_price: Decimal | None
    tax_rate: Decimal | None  # 0.12 for 12 %
    amount: Decimal
    confidence: Decimal | None


class OcrInvoice(TypedDict, total=False):
    vendor: Party | None
    bill_to: Party | None
    invoice_number: str | None
    invoice_date: str | None  # ISO 8601 date
    due_date: str | None
    currency: str | None  # ISO 4217 code
    amount_untaxed: Decimal | None
    tax: Decimal | None
    total: Decimal | None
    confidence: Decimal | None  # 0..1
    lines: list[Line]
    engine: Engine
    extracted_at: str  # UTC, e.g. 2026-11-22T03:00:00Z


def utc_timestamp(now: dt.datetime | None = None) -> str:
    """`extracted_at` as the contract writes it: UTC, seconds, trailing Z."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamped(result: dict[str, Any], engine: Engine) -> dict[str, Any]:
    """The result marked with the engine that produced it and, unless it has one, the extraction time."""
    result["engine"] = engine
    if not result.get("extracted_at"):
        result["extracted_at"] = utc_timestamp()
    return result
