"""Validation rules: each bad input is named with its field, its reason and the fix."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from dagster_project.ocr.validate import Rejected, parse_json, validate
from tests.ocr.helpers import invoice

THRESHOLD = Decimal("0.80")


def rejected(payload: object) -> list[tuple[str | None, str]]:
    with pytest.raises(Rejected) as caught:
        validate(payload, THRESHOLD)
    return [(p.field, p.reason) for p in caught.value.problems]


def roundtrip(document: dict) -> object:
    return parse_json(json.dumps(document).encode())


def test_a_valid_document_becomes_an_invoice_with_exact_amounts() -> None:
    result = validate(roundtrip(invoice("INV-1", "11200.00", lines=3)), THRESHOLD)
    assert (result.vendor_name, result.invoice_number, result.currency_code) == (
        "Mabuhay Office Supplies Inc.", "INV-1", "PHP")
    assert result.amount_total == Decimal("11200.00") and result.amount_untaxed == Decimal("10000.00")
    assert sum(line.amount for line in result.lines) == Decimal("10000.00")
    assert [line.line_number for line in result.lines] == [1, 2, 3]
    assert result.invoice_date == dt.date(2026, 3, 2) and result.extracted_at.tzinfo is not None


def test_malformed_json_names_line_and_column() -> None:
    with pytest.raises(Rejected) as caught:
        parse_json(b'{"vendor": {"name": "A"},\n "total": 12')
    problem = caught.value.first
    assert problem.reason == "malformed JSON" and "line 2" in problem.message and "json.tool" in problem.fix


def test_empty_and_non_utf8_files() -> None:
    with pytest.raises(Rejected) as empty:
        parse_json(b"  \n")
    assert empty.value.first.reason == "empty file"
    with pytest.raises(Rejected) as latin:
        parse_json('{"vendor": "Caf\u00e9"}'.encode("latin-1"))
    assert latin.value.first.reason == "malformed JSON" and "UTF-8" in latin.value.first.message


def test_wrong_types_are_reported_per_field() -> None:
    document = roundtrip(invoice("INV-2", "500"))
    document.update(total="abc", invoice_number=42, vendor="Acme")
    problems = rejected(document)
    assert ("total", "wrong type") in problems and ("invoice_number", "wrong type") in problems
    assert ("vendor", "wrong type") in problems


def test_amounts_must_be_positive() -> None:
    document = roundtrip(invoice("INV-3", "500"))
    document["total"] = Decimal("-500.00")
    assert rejected(document) == [("total", "not positive")]
    document["total"] = 0
    assert rejected(document) == [("total", "not positive")]


def test_required_fields_dates_and_currency() -> None:
    document = roundtrip(invoice("INV-4", "500"))
    del document["invoice_number"]
    document.update(invoice_date="02/03/2026", currency="PESO", due_date="2026-13-01")
    document["vendor"]["name"] = " "
    assert sorted(rejected(document)) == sorted([
        ("vendor.name", "missing field"), ("invoice_number", "missing field"), ("invoice_date", "invalid date"),
        ("due_date", "invalid date"), ("currency", "unknown currency")])
    lowercase = roundtrip(invoice("INV-4", "500"))
    lowercase["currency"] = "usd"
    assert validate(lowercase, THRESHOLD).currency_code == "USD"


def test_lines_must_sum_to_the_untaxed_amount_within_tolerance() -> None:
    document = roundtrip(invoice("INV-5", "1120.00", lines=2))  # untaxed 1000.00 = 500.00 + 500.00
    document["lines"][0]["amount"] = Decimal("500.03")  # 3 cents off over 2 lines: more than rounding explains
    assert rejected(document) == [("lines", "lines do not sum")]
    document["lines"][0]["amount"] = Decimal("500.02")  # 2 cents off over 2 lines: within 1 cent per line
    assert validate(document, THRESHOLD).amount_untaxed == Decimal("1000.00")
    without_untaxed = roundtrip(invoice("INV-6", "1120.00", lines=2))
    del without_untaxed["amount_untaxed"]
    assert rejected(without_untaxed) == [("lines", "lines do not sum")]  # then the lines must make the total


def test_confidence_threshold() -> None:
    document = roundtrip(invoice("INV-7", "500", confidence=0.62))
    with pytest.raises(Rejected) as caught:
        validate(document, THRESHOLD)
    problem = caught.value.first
    assert (problem.field, problem.reason) == ("confidence", "low confidence")
    assert "0.62" in problem.message and "OCR_MIN_CONFIDENCE" in problem.fix
    assert validate(document, Decimal("0.5")).confidence == Decimal("0.620")


def test_a_list_is_not_an_invoice() -> None:
    assert rejected([1, 2]) == [(None, "not an invoice")]
