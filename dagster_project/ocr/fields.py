"""Invoice fields from the text lines of a document (see labels.py for the labels, values.py for how values
are read, line_items.py for the table). Only what the document states is returned; what is not found is None,
and whether the result is a loadable invoice is for validation to decide."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from dagster_project.ocr import labels
from dagster_project.ocr.labels import labelled, labelled_amount
from dagster_project.ocr.line_items import header_columns, line_items
from dagster_project.ocr.ocr_json import OcrInvoice, Party
from dagster_project.ocr.textlines import Segment, TextLine
from dagster_project.ocr.values import currency_code, currency_symbol, identifier, parse_date, tax_id

T = TypeVar("T")
BLOCK_LINES = 5  # a bill-to block: name, two address lines, a TIN, an attention line
PROMINENCE = 0.9  # a line at least 90 % as tall as the tallest counts as equally prominent
STOPS = (labels.NUMBER, labels.INVOICE_DATE, labels.DUE_DATE, labels.FROM, labels.BILL_TO)
LABELS = (labels.NUMBER, labels.INVOICE_DATE, labels.DUE_DATE, labels.VAT, labels.BILL_TO, labels.FROM,
          labels.CURRENCY, labels.SUBTOTAL, labels.TAX, labels.TOTAL)


@dataclass(frozen=True)
class Block:
    """The bill-to block: its party and the lines it spans (which are not the vendor's)."""

    name: str | None
    vat: str | None
    start: int
    end: int


def extract_fields(lines: Sequence[TextLine]) -> OcrInvoice:
    """The invoice's fields in the OCR JSON shape, without `confidence`, `engine` and `extracted_at`."""
    first_page = [line for line in lines if line.page == lines[0].page] if lines else []
    table_at = next((i for i, line in enumerate(first_page) if header_columns(line.text)), len(first_page))
    letterhead = first_page[:table_at]
    bill_to = bill_to_block(letterhead)
    vendor_lines = [line for i, line in enumerate(letterhead) if not (bill_to and bill_to.start <= i < bill_to.end)]
    amounts: dict[str, Decimal] = {}
    amount_lines = []
    for line in lines:
        if found := labelled_amount(line):
            kind, value = found
            amounts[kind] = max(value, amounts.get(kind, value)) if kind == "total" else value
            amount_lines.append(line)
    return {
        "vendor": party(
            vendor_name(letterhead[: bill_to.start] if bill_to else letterhead, first_page),
            first(vat_number(line) for line in vendor_lines),
        ),
        "bill_to": party(bill_to.name, bill_to.vat) if bill_to else None,
        "invoice_number": first(invoice_number(line) for line in lines),
        "invoice_date": first(invoice_date(line) for line in lines)
        or first(parse_date(line.text) for line in letterhead if not labelled(line, labels.DUE_DATE)),
        "due_date": first(labelled_date(line, labels.DUE_DATE) for line in lines),
        "currency": currency(lines, amount_lines),
        "amount_untaxed": amounts.get("amount_untaxed"),
        "tax": amounts.get("tax"),
        "total": amounts.get("total"),
        "lines": line_items(lines),
    }


def first(values: Iterable[T | None]) -> T | None:
    return next((value for value in values if value is not None), None)


def party(name: str | None, vat: str | None) -> Party | None:
    return {"name": name, "vat": vat} if name or vat else None


def invoice_number(line: TextLine) -> str | None:
    if found := labelled(line, labels.NUMBER):
        return identifier(found[0].lstrip("#"))
    found = labelled(line, labels.INVOICE)
    if found and parse_date(found[0]) is None:
        return identifier(found[0].lstrip("#"), whole=True)
    return None


def labelled_date(line: TextLine, pattern: re.Pattern[str], unless: re.Pattern[str] | None = None) -> str | None:
    found = labelled(line, pattern, unless)
    return parse_date(found[0]) if found else None


def invoice_date(line: TextLine) -> str | None:
    return labelled_date(line, labels.INVOICE_DATE, unless=labels.DUE_DATE)


def vat_number(line: TextLine) -> str | None:
    found = labelled(line, labels.VAT)
    return tax_id(found[0]) if found else None


def is_label(text: str) -> bool:
    """A label with a value or a colon ("Invoice No: 42", "Bill To:"), not a name that starts like one."""
    for pattern in LABELS:
        if (match := pattern.match(text)) and (":" in match.group() or "#" in match.group()
                                               or re.search(r"\d", text[match.end() :])):
            return True
    return False


def plausible_name(text: str) -> bool:
    letters, digits = sum(char.isalpha() for char in text), sum(char.isdigit() for char in text)
    return (letters >= 3 and digits * 2 <= letters and not labels.TITLE.match(text) and not is_label(text)
            and not labels.CONTACT.search(text) and not labels.PAGE_MARK.match(text) and parse_date(text) is None)


def clean_name(text: str) -> str:
    return labels.TRAILING_TITLE.sub("", text).strip(" |*_-—:")


def vendor_name(letterhead: Sequence[TextLine], page: Sequence[TextLine]) -> str | None:
    """After a "From:" / "Vendor:" label, else the most prominent name-like line of the letterhead (the
    tallest; the first of equally tall ones)."""
    for index, line in enumerate(page):
        if found := labelled(line, labels.FROM):
            rest, at = found
            if plausible_name(clean_name(rest)):
                return clean_name(rest)
            below = aligned(page[index + 1], line.segments[at]) if index + 1 < len(page) else None
            if below and plausible_name(clean_name(below.text)):
                return clean_name(below.text)
    candidates = [
        (segment.height, name)
        for line in letterhead
        if (segment := next((s for s in line.segments if not labels.TITLE.match(s.text)), None))
        and plausible_name(name := clean_name(segment.text))
    ]
    if not candidates:
        return None
    tallest = max(height for height, _ in candidates)
    return next(name for height, name in candidates if height >= PROMINENCE * tallest)


def aligned(line: TextLine, column: Segment) -> Segment:
    """The segment of `line` in the same column as `column` (nearest left edge)."""
    return min(line.segments, key=lambda segment: abs(segment.left - column.left))


def bill_to_block(lines: Sequence[TextLine]) -> Block | None:
    """The "Bill To" block: its label, then up to five lines of the same column until the next label."""
    for start, line in enumerate(lines):
        found = labelled(line, labels.BILL_TO)
        if found is None or labels.NOT_A_PARTY.match(found[0]):
            continue
        rest, at = found
        name = clean_name(rest) if plausible_name(clean_name(rest)) else None
        vat, end = None, start + 1
        for below in lines[start + 1 : start + 1 + BLOCK_LINES]:
            segment = aligned(below, line.segments[at])
            if any(pattern.match(segment.text) for pattern in STOPS) or labelled_amount(below):
                break
            end += 1
            if vat is None and (match := labels.VAT.match(segment.text)):
                vat = tax_id(segment.text[match.end() :])
            elif name is None and plausible_name(clean_name(segment.text)):
                name = clean_name(segment.text)
        return Block(name, vat, start, end)
    return None


def currency(lines: Sequence[TextLine], amount_lines: Sequence[TextLine]) -> str | None:
    """A "Currency:" label, else an ISO code on the totals or the table header, else anywhere, else a symbol
    (₱, $, €, £, ¥) on the totals, else anywhere; "P 1,200.00" on a total reads as pesos."""
    for line in lines:
        if (found := labelled(line, labels.CURRENCY)) and (code := currency_code(found[0])):
            return code
    totals = [*amount_lines, *(line for line in lines if header_columns(line.text))]
    return (first(currency_code(line.text) for line in totals)
            or first(currency_code(line.text) for line in lines)
            or first(currency_symbol(line.text, peso_letter=True) for line in amount_lines)
            or first(currency_symbol(line.text, peso_letter=False) for line in lines))
