"""Line items: the rows under a table header that names its columns (Description, Qty, Unit Price, Amount, in
any order and common spellings), read until the totals; a table left open at the end of a page continues on
the next one. Without a recognisable header, only rows whose quantity x unit price equals the amount count."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from dagster_project.ocr.labels import FORWARD, PAGE_MARK, labelled_amount
from dagster_project.ocr.ocr_json import Line
from dagster_project.ocr.textlines import TextLine
from dagster_project.ocr.values import CENT, CURRENCY_CODE, MILLI, amount_like, money_token, percent_token

COLUMNS = (
    ("tax_rate", r"(?:tax|vat)\s*(?:rate|%)|%"),
    ("tax_amount", r"(?:tax|vat)(?:\s*amount)?"),
    ("unit_price", r"unit\s*(?:price|cost|amount)|u/?\s?price|price|rate|cost"),
    ("quantity", r"[qoa0g](?:uanti)?ty\.?|q'ty|qnty|hours|hrs|units"),  # OCR reads Q as a, o, 0 or g
    ("amount", r"(?:line\s*|net\s*)?(?:total|amount)|ext(?:ended|\.)?\s*(?:price|amount)"),
    ("description", r"description|particulars|items?|products?|services?|details|articles?"),
    ("index", r"#|no\.?|sl\.?\s?no\.?"),
)
HEADER = re.compile("|".join(rf"(?P<{kind}>(?<![a-z]){pattern}(?![a-z]))" for kind, pattern in COLUMNS), re.I)
CHECKED_ROW = ("description", "quantity", "unit_price", "amount")
SYMBOL_TOKENS = frozenset({"₱", "$", "€", "£", "¥", "P"})
Token = tuple[str, Decimal]


def header_columns(text: str) -> tuple[str, ...] | None:
    """The column kinds of a table header line, left to right, or None when the line is not one."""
    if re.search(r"\d[.,]\d{2}\b", text):
        return None  # a header names columns; rows hold amounts
    kinds: list[str] = []
    for match in HEADER.finditer(text):
        if match.lastgroup and (not kinds or kinds[-1] != match.lastgroup):
            kinds.append(match.lastgroup)
    other_words = re.findall(r"[A-Za-z]{2,}", HEADER.sub(" ", text))
    if "description" in kinds and {"amount", "unit_price"} & set(kinds) and len(other_words) <= 2:
        return tuple(kinds)
    return None


def line_items(lines: Sequence[TextLine]) -> list[Line]:
    items: list[Line] = []
    columns: tuple[str, ...] | None = None
    open_table = False
    for line in lines:
        if header := header_columns(line.text):
            columns, open_table = header, True
        elif open_table and columns and labelled_amount(line):
            open_table = False
        elif open_table and columns and (item := row(line, columns)):
            items.append(item)
    if items or columns:
        return items
    return [item for line in lines if (item := row(line, CHECKED_ROW)) and arithmetic_holds(item)]


def row(line: TextLine, columns: tuple[str, ...]) -> Line | None:
    """The item on a table row: numbers taken from the row's ends for the numeric columns, the rest is the
    description. None for lines that are not rows (no amount, no description, page marks)."""
    text = re.sub(r"(\d)\s+%", r"\1%", line.text)
    if PAGE_MARK.match(text) or FORWARD.search(text) or labelled_amount(line):
        return None
    tokens = text.split()
    at = columns.index("description")
    values: dict[str, Decimal] = {}
    for kind in columns[:at]:
        if tokens and kind in ("index", "quantity") and (value := money_token(tokens[0])) is not None:
            tokens = tokens[1:]
            if kind == "quantity":
                values["quantity"] = value
    numeric = [kind for kind in columns[at + 1 :] if kind != "tax_rate"]
    found: list[Token] = []
    while tokens and len(found) < len(numeric):
        token = tokens[-1]
        if (rate := percent_token(token)) is not None:
            values["tax_rate"] = rate
        elif not (CURRENCY_CODE.fullmatch(token) or token in SYMBOL_TOKENS):
            if (value := money_token(token)) is None:
                break
            found.insert(0, (token, value))
        tokens.pop()
    amount = assign(numeric, found, values)
    description = " ".join(tokens).strip(" -|:*")
    if amount is None or not amount_like(amount) or sum(char.isalpha() for char in description) < 2:
        return None
    return {
        "description": description,
        "quantity": plain(values.get("quantity")),
        "unit_price": plain(values.get("unit_price")),
        "tax_rate": values.get("tax_rate"),
        "amount": values["amount"].quantize(CENT),
        "confidence": Decimal(line.confidence).quantize(MILLI),
    }


def assign(kinds: list[str], found: list[Token], values: dict[str, Decimal]) -> str | None:
    """Put the numbers into their columns and return the amount's token as printed. With fewer numbers than
    columns the last one is the amount and the others fill the columns in order, a number with cents never
    being a quantity."""
    if not found or "amount" not in kinds:
        return None
    if len(found) == len(kinds):
        values.update((kind, value) for kind, (_, value) in zip(kinds, found, strict=True))
        return found[kinds.index("amount")][0]
    *others, (amount_token, amount) = found
    values["amount"] = amount
    free = [kind for kind in kinds if kind not in ("amount", "tax_amount")]
    for token, value in others:
        if free and free[0] == "quantity" and re.search(r"[.,]\d{2}$", token) and "unit_price" in free:
            free.remove("quantity")
        if free:
            values[free.pop(0)] = value
    return amount_token


def arithmetic_holds(item: Line) -> bool:
    quantity, price, amount = item["quantity"], item["unit_price"], item["amount"]
    return quantity is not None and price is not None and abs(quantity * price - amount) <= max(CENT, amount / 200)


def plain(value: Decimal | None) -> Decimal | None:
    """2.00 -> 2, 2.50 -> 2.5 (quantities and unit prices as printed, without exponent notation)."""
    if value is None:
        return None
    return value.to_integral_value() if value == value.to_integral_value() else value.normalize()
