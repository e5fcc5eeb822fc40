"""Validation of an OCR result before it may enter the warehouse: every problem is named with its field and
the fix, so a quarantined document can be corrected and delivered again.

Rules: required vendor name, invoice number, invoice date, currency and total; numbers are JSON numbers
(not strings) and invoice amounts are positive; dates parse as ISO 8601; the currency is an ISO 4217 code;
line amounts sum to `amount_untaxed` (or `total` when there is none) within 1 cent per line; `confidence`
is at least the threshold (OCR_MIN_CONFIDENCE, default 0.80).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# ISO 4217 currencies in circulation (funds, metals and test codes excluded).
ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF
CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL
HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL
MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON
RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
""".split())

CENT = Decimal("0.01")
AMOUNT_LIMIT = Decimal("1e14")  # numeric(16, 2)
QUANTITY_LIMIT = Decimal("1e12")  # numeric(16, 4)


@dataclass(frozen=True)
class Problem:
    field: str | None
    reason: str
    message: str
    fix: str

    def as_dict(self) -> dict[str, str | None]:
        return {"field": self.field, "reason": self.reason, "message": self.message, "fix": self.fix}


class Rejected(Exception):
    """The document cannot be loaded; `problems[0]` is the headline, all of them go to the reason file."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(problems[0].message)

    @property
    def first(self) -> Problem:
        return self.problems[0]


EMPTY_FILE = Problem(None, "empty file", "the file is empty",
                     "deliver the document again once it is completely written (write, then rename)")


@dataclass(frozen=True)
class Line:
    line_number: int
    description: str
    quantity: Decimal | None
    unit_price: Decimal | None
    tax_rate: Decimal | None
    amount: Decimal
    confidence: Decimal | None


@dataclass(frozen=True)
class Invoice:
    vendor_name: str
    vendor_vat: str | None
    bill_to_name: str | None
    bill_to_vat: str | None
    invoice_number: str
    invoice_date: dt.date
    due_date: dt.date | None
    currency_code: str
    amount_untaxed: Decimal | None
    amount_tax: Decimal | None
    amount_total: Decimal
    confidence: Decimal
    extracted_at: dt.datetime
    lines: tuple[Line, ...] = field(default=())


def parse_json(data: bytes) -> Any:
    """The OCR JSON, numbers as `Decimal`; malformed input raises Rejected naming the line and column."""
    if not data.strip():
        raise Rejected([EMPTY_FILE])
    try:
        return json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise Rejected([Problem(None, "malformed JSON", f"not UTF-8 text (byte {exc.start})",
                                "save the OCR output as UTF-8 JSON")]) from exc
    except json.JSONDecodeError as exc:
        raise Rejected([Problem(None, "malformed JSON", f"invalid JSON at line {exc.lineno} column {exc.colno}: "
                                f"{exc.msg}", "fix the JSON syntax (check it with `python -m json.tool FILE`)")]) \
            from exc


def validate(payload: Any, min_confidence: Decimal, now: dt.datetime | None = None) -> Invoice:
    """The invoice ready to load, or Rejected with every problem found."""
    if not isinstance(payload, dict):
        raise Rejected([Problem(None, "not an invoice", f"the JSON is {_kind(payload)}, not an object",
                                "deliver the OCR service's invoice object ({\"vendor\": ..., \"total\": ...})")])
    check = _Checker(payload)
    vendor = check.party("vendor", required=True)
    bill_to = check.party("bill_to", required=False)
    number = check.text("invoice_number", required=True)
    invoice_date = check.date("invoice_date", required=True)
    due_date = check.date("due_date", required=False)
    currency = check.currency("currency")
    untaxed = check.amount("amount_untaxed", required=False, positive=True)
    tax = check.amount("tax", required=False, positive=False)
    total = check.amount("total", required=True, positive=True)
    confidence = check.confidence(min_confidence)
    extracted_at = check.timestamp("extracted_at", now or dt.datetime.now(dt.UTC))
    lines = check.lines()
    if lines and not check.problems:
        check.lines_sum(lines, untaxed if untaxed is not None else total,
                        "amount_untaxed" if untaxed is not None else "total")
    if check.problems:
        raise Rejected(check.problems)
    return Invoice(vendor_name=vendor[0], vendor_vat=vendor[1], bill_to_name=bill_to[0], bill_to_vat=bill_to[1],
                   invoice_number=number, invoice_date=invoice_date, due_date=due_date, currency_code=currency,
                   amount_untaxed=untaxed, amount_tax=tax, amount_total=total, confidence=confidence,
                   extracted_at=extracted_at, lines=tuple(lines))


def tolerance(line_count: int) -> Decimal:
    """One cent per line: what rounding each line to cents can account for, and no more."""
    return CENT * max(line_count, 1)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {json.dumps(value)}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, (int, Decimal)):
        return f"the number {value}"
    return {list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool) and Decimal(value).is_finite()


class _Checker:
    """Collects problems while reading the payload's fields."""

    def __init__(self, payload: dict[str, Any]):
        self.payload = payload
        self.problems: list[Problem] = []

    def add(self, field: str | None, reason: str, message: str, fix: str) -> None:
        self.problems.append(Problem(field, reason, message, fix))

    def missing(self, name: str, what: str) -> None:
        self.add(name, "missing field", f"{name} is missing", f"add \"{name}\": {what}")

    def wrong_type(self, name: str, value: Any, what: str, example: str) -> None:
        self.add(name, "wrong type", f"{name} must be {what}, got {_kind(value)}", f"write {name} as {example}")

    def text(self, name: str, *, required: bool, source: dict[str, Any] | None = None,
             label: str | None = None) -> str | None:
        label = label or name
        value = (self.payload if source is None else source).get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.missing(label, "\"...\" (as printed on the invoice)")
            return None
        if not isinstance(value, str):
            self.wrong_type(label, value, "a string", "a JSON string in quotes")
            return None
        return value.strip()

    def party(self, name: str, *, required: bool) -> tuple[str | None, str | None]:
        value = self.payload.get(name)
        if value is None:
            if required:
                self.missing(f"{name}.name", "{\"name\": \"...\", \"vat\": null}")
            return None, None
        if not isinstance(value, dict):
            self.wrong_type(name, value, "an object", "{\"name\": \"...\", \"vat\": \"...\"}")
            return None, None
        return (self.text("name", required=required, source=value, label=f"{name}.name"),
                self.text("vat", required=False, source=value, label=f"{name}.vat"))

    def date(self, name: str, *, required: bool) -> dt.date | None:
        value = self.payload.get(name)
        if value is None:
            if required:
                self.missing(name, "\"YYYY-MM-DD\"")
            return None
        if not isinstance(value, str):
            self.wrong_type(name, value, "a date string", "\"YYYY-MM-DD\"")
            return None
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            self.add(name, "invalid date", f"{name} {value!r} is not a date",
                     f"write {name} as \"YYYY-MM-DD\" (for example \"2026-03-15\")")
            return None

    def timestamp(self, name: str, default: dt.datetime) -> dt.datetime:
        value = self.payload.get(name)
        if value is None:
            return default
        try:
            parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            self.add(name, "invalid date", f"{name} {_kind(value)} is not an ISO 8601 timestamp",
                     f"write {name} as \"2026-03-15T08:30:00Z\" or leave it out")
            return default
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)

    def currency(self, name: str) -> str | None:
        value = self.text(name, required=True)
        if value is None:
            return None
        code = value.upper()
        if code not in ISO_4217:
            self.add(name, "unknown currency", f"{name} {value!r} is not an ISO 4217 currency code",
                     "write the three-letter code, for example \"PHP\" or \"USD\"")
            return None
        return code

    def number(self, name: str, value: Any, *, limit: Decimal) -> Decimal | None:
        if not _is_number(value):
            self.wrong_type(name, value, "a number", "a JSON number without quotes (1234.50)")
            return None
        number = Decimal(value)
        if abs(number) >= limit:
            self.add(name, "out of range", f"{name} {number} is too large", "check the OCR reading of the amount")
            return None
        return number

    def amount(self, name: str, *, required: bool, positive: bool, source: dict[str, Any] | None = None,
               label: str | None = None) -> Decimal | None:
        label = label or name
        value = (self.payload if source is None else source).get(name)
        if value is None:
            if required:
                self.missing(label, "a number (1234.50)")
            return None
        number = self.number(label, value, limit=AMOUNT_LIMIT)
        if number is None:
            return None
        if number < 0 or (positive and number == 0):
            self.add(label, "not positive", f"{label} is {number}; it must be {'above' if positive else 'at least'} 0",
                     "a credit note is not an invoice: record it in Odoo; otherwise fix the OCR reading")
            return None
        return number.quantize(CENT, ROUND_HALF_UP)

    def fraction(self, name: str, value: Any) -> Decimal | None:
        number = self.number(name, value, limit=Decimal(10))
        if number is not None and not Decimal(0) <= number <= Decimal(1):
            self.add(name, "out of range", f"{name} {number} is not between 0 and 1",
                     "write it as a fraction (0.12 for 12 %)")
            return None
        return number

    def confidence(self, minimum: Decimal) -> Decimal | None:
        value = self.payload.get("confidence")
        if value is None:
            self.missing("confidence", "a number from 0 to 1 (1.0 for a document checked by hand)")
            return None
        number = self.fraction("confidence", value)
        if number is not None and number < minimum:
            self.add("confidence", "low confidence", f"confidence {number} is below the threshold {minimum}",
                     "check the document by hand and deliver a corrected JSON with \"confidence\": 1.0, or lower "
                     "OCR_MIN_CONFIDENCE")
            return None
        return None if number is None else number.quantize(Decimal("0.001"), ROUND_HALF_UP)

    def lines(self) -> list[Line]:
        value = self.payload.get("lines")
        if value is None:
            return []
        if not isinstance(value, list):
            self.wrong_type("lines", value, "a list", "[{\"description\": ..., \"amount\": ...}]")
            return []
        return [line for index, item in enumerate(value) if (line := self.line(index, item)) is not None]

    def line(self, index: int, item: Any) -> Line | None:
        label = f"lines[{index}]"
        if not isinstance(item, dict):
            self.wrong_type(label, item, "an object", "{\"description\": ..., \"amount\": ...}")
            return None
        before = len(self.problems)
        description = self.text("description", required=True, source=item, label=f"{label}.description")
        amount_value = item.get("amount")
        amount = None
        if amount_value is None:
            self.missing(f"{label}.amount", "a number (the line's amount before tax)")
        else:
            amount = self.number(f"{label}.amount", amount_value, limit=AMOUNT_LIMIT)
        optional = {key: None if item.get(key) is None else self.number(f"{label}.{key}", item[key],
                                                                        limit=QUANTITY_LIMIT)
                    for key in ("quantity", "unit_price")}
        tax_rate = None if item.get("tax_rate") is None else self.fraction(f"{label}.tax_rate", item["tax_rate"])
        confidence = None if item.get("confidence") is None else \
            self.fraction(f"{label}.confidence", item["confidence"])
        if len(self.problems) > before:
            return None
        return Line(index + 1, description, optional["quantity"], optional["unit_price"], tax_rate,
                    amount.quantize(CENT, ROUND_HALF_UP),
                    None if confidence is None else confidence.quantize(Decimal("0.001"), ROUND_HALF_UP))

    def lines_sum(self, lines: list[Line], target: Decimal, target_name: str) -> None:
        total = sum((line.amount for line in lines), Decimal(0))
        allowed = tolerance(len(lines))
        if abs(total - target) > allowed:
            self.add("lines", "lines do not sum",
                     f"the {len(lines)} line amounts sum to {total}, {target_name} is {target} "
                     f"(difference {total - target}, tolerance {allowed})",
                     "check the line amounts and the total against the document")
