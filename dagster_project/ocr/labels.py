"""The labels invoices print before their values, in the spellings seen in the wild. A label matches at the
start of a segment only (so prose mentioning "the total" is not a total), and letters OCR confuses are
tolerated: i/l/1/|, o/0, and spaces or dots inside the label ("Sub-total", "Invoice No.")."""

from __future__ import annotations

import re
from decimal import Decimal

from dagster_project.ocr.textlines import TextLine
from dagster_project.ocr.values import CURRENCY_MARK, MONEY, PERCENT, amount_like, fix_digits, parse_amount

FUZZY = {"i": "[il1|!]", "l": "[l1i|]", "o": "[o0]"}


def label(*phrases: str, prefix: str = "", colon: bool = False) -> re.Pattern[str]:
    """Matches any of `phrases` at the start of a text, with its trailing punctuation ("No.:", "#")."""
    spelled = "|".join(
        r"[\s.\-]*".join("".join(FUZZY.get(char, re.escape(char)) for char in word) for word in phrase.split())
        for phrase in sorted(phrases, key=len, reverse=True)
    )
    end = r"\s*\.?\s*:\s*" if colon else r"\s*\.?\s*[:#]?\s*"
    return re.compile(rf"^\W{{0,2}}{prefix}(?:{spelled})(?![a-z]){end}", re.IGNORECASE)


NUMBER = label("invoice no", "invoice nr", "invoice number", "invoice num", "invoice #", "invoice nº", "invoice n°",
               "invoice id", "invoice ref", "inv no", "inv #", "inv number", "bill no", "bill number", "billing no",
               "statement no", "document no", prefix=r"(?:(?:tax|sales|service|commercial)\s+)?")
INVOICE = label("invoice", prefix=r"(?:(?:tax|sales|service|commercial)\s+)?")  # "Invoice: 0042", one token
DUE_DATE = label("due date", "date due", "payment due date", "payment due", "due on", "due by", "due", "pay by",
                 "payable by", "payable on")
INVOICE_DATE = label("invoice date", "date of invoice", "date issued", "issue date", "issued on", "date of issue",
                     "billing date", "bill date", "document date", "dated", "date")
VAT = label("vat reg tin", "vat reg no", "vat registration no", "vat registration number", "vat reg", "vat no",
            "vat number", "vat id", "vat tin", "vat", "tin no", "tin", "tax id", "tax id no", "tax no",
            "tax identification no", "tax identification number", "tax reg no", "tax registration no", "gstin",
            "gst no", "gst reg no", "abn", "ein", "uen")
BILL_TO = label("bill to", "billed to", "sold to", "invoice to", "invoiced to", "customer", "customer name",
                "client", "client name", "buyer", "billing address")
NOT_A_PARTY = re.compile(r"(?i)(?:no|id|number|#|code|ref|tin|vat|account)\b")  # "Customer No: C-12"
FROM = label("from", "vendor", "vendor name", "supplier", "supplier name", "seller", "sold by", "issued by",
             colon=True)
CURRENCY = label("currency")
SUBTOTAL = label("subtotal", "sub total", "net total", "net amount", "total net", "total before tax",
                 "amount before tax", "total excl vat", "total excluding vat", "total excl tax",
                 "total excluding tax", "taxable amount", "vatable sales", "total sales vat exclusive")
TAX = label("vat", "tax", "total vat", "total tax", "vat amount", "tax amount", "output vat", "value added tax",
            "sales tax", "gst", prefix=rf"(?:{PERCENT}\s*)?")
TOTAL = label("total", "grand total", "total amount", "total amount due", "total due", "amount due", "balance due",
              "amount payable", "total payable", "total amount payable", "invoice total", "total invoice amount")
PAGE_MARK = re.compile(r"(?i)^\W*(?:page\s*\d+(?:\s*(?:of|/)\s*\d+)?|continued\b.*|\d+\s*/\s*\d+)\W*$")
TITLE = re.compile(r"(?i)^(?:(?:tax|sales|service|commercial|official|proforma)\s+)?invoice$|^billing statement$|"
                   r"^statement of account$|^original$|^duplicate$|^copy$|^(?:official\s+)?receipt$")
TRAILING_TITLE = re.compile(r"(?i)\s+(?:(?:tax|sales|service|commercial)\s+)?invoice$")
CONTACT = re.compile(r"(?i)@|www\.|https?:|\b(?:tel|phone|fax|mobile|email|e-mail)\b")
FORWARD = re.compile(r"(?i)\b(?:carried|brought|balance)\s+forward\b|\b[cb]/f\b|\bpage\s+total\b")
# What may stand between a total's label and its amount: "Total (PHP): 1,200.00", "VAT 12% PHP 144.00".
FILLER = rf"(?:\s|[:|=@*]|\(\s?(?:{CURRENCY_MARK}|{PERCENT})\s?\)|{CURRENCY_MARK}|{PERCENT})*"
AMOUNT_TAIL = re.compile(rf"{FILLER}(?P<amount>{MONEY}){FILLER}")
AMOUNT_LABELS = (("amount_untaxed", SUBTOTAL), ("tax", TAX), ("total", TOTAL))


def labelled(line: TextLine, pattern: re.Pattern[str], unless: re.Pattern[str] | None = None) -> tuple[str, int] | None:
    """The value after the first segment starting with the label (or the next segment when the label stands
    alone, as in a two-column layout) and the label's segment index."""
    for index, segment in enumerate(line.segments):
        if unless is not None and unless.match(segment.text):
            continue
        if match := pattern.match(segment.text):
            rest = segment.text[match.end() :].strip()
            if not rest and index + 1 < len(line.segments):
                rest = line.segments[index + 1].text
            return rest, index
    return None


def labelled_amount(line: TextLine) -> tuple[str, Decimal] | None:
    """("amount_untaxed" | "tax" | "total", amount) when the line is a labelled amount: the label starts a
    segment and only an amount (with currency marks or a rate) follows it to the end of the line."""
    for index in range(len(line.segments)):
        text = "\t".join(segment.text for segment in line.segments[index:])
        for kind, pattern in AMOUNT_LABELS:
            match = pattern.match(text)
            tail = AMOUNT_TAIL.fullmatch(fix_digits(text[match.end() :])) if match else None
            if tail and amount_like(tail["amount"]) and (value := parse_amount(tail["amount"])) is not None:
                return kind, value
    return None
