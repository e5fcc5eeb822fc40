"""Values as printed on invoices, read despite OCR noise: amounts with thousands separators (1,234.56,
1.234,56, 1'234.56), dates in the usual formats, tax identification numbers, currency codes and symbols."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

CENT = Decimal("0.01")
MILLI = Decimal("0.001")  # confidences: numeric(4, 3)

NUMBER = r"\d{1,3}(?:[,.'’]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
MONEY = rf"(?:-\s?|\()?(?:{NUMBER})\)?"
PERCENT = r"\d{1,2}(?:[.,]\d+)?\s?%"
CURRENCY_MARK = r"(?:[A-Z]{3}|Php|US\$|[₱$€£¥]|P(?=\s?\d))"
MONEY_TOKEN = re.compile(rf"{CURRENCY_MARK}?(?P<amount>{MONEY})")
PERCENT_TOKEN = re.compile(PERCENT)
# Printed with cents or thousands separators: how amounts look, unlike quantities, page numbers or tax IDs.
AMOUNT_LIKE = re.compile(r"[.,]\d{2}\)?$|\d[,.'’]\d{3}(?!\d)")

ISO_CODES = frozenset("PHP USD EUR GBP JPY CNY HKD SGD AUD CAD CHF NZD KRW INR IDR MYR THB VND TWD AED SAR".split())
CURRENCY_CODE = re.compile(rf"(?<![A-Za-z])(?:{'|'.join(sorted(ISO_CODES))}|Php)(?![A-Za-z])")
SYMBOLS = (("₱", "PHP"), ("US$", "USD"), ("€", "EUR"), ("£", "GBP"), ("¥", "JPY"), ("$", "USD"))
PESO_LETTER = re.compile(r"(?<![A-Za-z])P\s?\d")  # "P 1,200.00": the peso sign typed as a P

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH = r"(?P<name>jan|feb|mar|apr|may|jun|jul|aug|sep|[o0]ct|n[o0]v|dec)[a-z]*\.?"
DATE_FORMS = (
    re.compile(r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?[\s\-/.,]*{MONTH}[\s\-/.,']*(?P<year>\d{{4}})(?!\d)", re.I),
    re.compile(rf"(?<![a-z]){MONTH}[\s\-/.]*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?[\s,.]*(?P<year>\d{{4}})(?!\d)", re.I),
    re.compile(r"(?<!\d)(?P<first>\d{1,2})(?P<sep>[/.\-])(?P<second>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})(?!\d)"),
)

TAX_ID = re.compile(r"(?<![\w-])(?:[A-Z]{2}[ -]?)?\d[\d \-./]{4,}\d(?![\w-])")
IDENTIFIER = re.compile(r"[A-Za-z0-9][\w\-/.]*")


def fix_digits(text: str) -> str:
    """O read for 0 and l, I or | read for 1 next to digits (2O26 -> 2026, 3l -> 31)."""
    text = re.sub(r"(?<=\d)[Oo]+|[Oo]+(?=\d)", lambda run: "0" * len(run.group()), text)
    return re.sub(r"(?<=\d)[lI|]+|[lI|]+(?=\d)", lambda run: "1" * len(run.group()), text)


def parse_amount(text: str) -> Decimal | None:
    """1,234.56 / 1.234,56 / 1'234.56 / (1,234.56) as a Decimal: the last separator followed by one or two
    digits is the decimal point, every other separator groups thousands."""
    text = fix_digits(text.strip())
    digits = re.sub(r"[^\d.,'’]", "", text)
    if not digits[:1].isdigit():
        return None
    last = max(digits.rfind("."), digits.rfind(","))
    whole, fraction = digits, "0"
    if last >= 0 and 0 < len(digits) - last - 1 <= 2:
        whole, fraction = digits[:last], digits[last + 1 :]
    whole = re.sub(r"[.,'’]", "", whole) or "0"
    value = Decimal(f"{whole}.{fraction}").quantize(CENT)
    return -value if text.startswith(("-", "(")) else value


def amount_like(token: str) -> bool:
    return AMOUNT_LIKE.search(token) is not None


def money_token(token: str) -> Decimal | None:
    """A whole token that is an amount, perhaps with a currency mark: PHP1,200.00, ₱1,200.00, 1,200.00."""
    match = MONEY_TOKEN.fullmatch(fix_digits(token))
    return parse_amount(match["amount"]) if match else None


def percent_token(token: str) -> Decimal | None:
    """12% as 0.12."""
    if not PERCENT_TOKEN.fullmatch(token):
        return None
    return (Decimal(token.rstrip("% ").replace(",", ".")) / 100).normalize()


def parse_date(text: str) -> str | None:
    """The first date in `text` as ISO 8601: 2026-10-31, 31 Oct 2026, 31-October-2026, Oct 31, 2026,
    10/31/2026 (month first unless the first number is above 12), 31.10.2026 (day first)."""
    text = fix_digits(text)
    for form in DATE_FORMS:
        for match in form.finditer(text):
            parts = match.groupdict()
            if parts.get("name"):
                month = MONTHS.index(parts["name"].lower().replace("0", "o")) + 1
                day = int(parts["day"])
            elif parts.get("sep"):
                first, second = int(parts["first"]), int(parts["second"])
                day_first = parts["sep"] == "." or first > 12
                day, month = (first, second) if day_first else (second, first)
            else:
                day, month = int(parts["day"]), int(parts["month"])
            year = int(parts["year"])
            try:
                return dt.date(year + 2000 if year < 100 else year, month, day).isoformat()
            except ValueError:
                continue
    return None


def tax_id(text: str) -> str | None:
    """A VAT/TIN number (123-456-789-000, PH-123-456-789, 12-3456789): at least six digits, not an amount."""
    for match in TAX_ID.finditer(text):
        value = match.group().strip()
        if sum(char.isdigit() for char in value) >= 6 and not re.fullmatch(NUMBER, value):
            return value
    return None


def identifier(text: str, *, whole: bool = False) -> str | None:
    """An invoice number: the first token (or, with `whole`, the entire text) when it contains a digit."""
    tokens = text.split()
    if not tokens or (whole and len(tokens) > 1):
        return None
    token = tokens[0].strip(".,;:")
    if IDENTIFIER.fullmatch(token) and any(char.isdigit() for char in token) and len(token) <= 40:
        return token
    return None


def currency_code(text: str) -> str | None:
    match = CURRENCY_CODE.search(text)
    return match.group().upper() if match else None


def currency_symbol(text: str, *, peso_letter: bool) -> str | None:
    """The currency of a symbol in `text`; with `peso_letter`, "P 1,200.00" is pesos too (for totals only)."""
    found = next((code for symbol, code in SYMBOLS if symbol in text), None)
    return found or ("PHP" if peso_letter and PESO_LETTER.search(text) else None)
