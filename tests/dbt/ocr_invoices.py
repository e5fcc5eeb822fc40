"""OCR'd invoices planted against the generated Odoo vendor bills, each with the match the mart must find.

The bills are picked by their properties (a vendor with a VAT, a uniquely named vendor, a cancelled bill...)
from whatever the seed generated, so the expectations follow the data instead of hard-coded ids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from dagster_project.ocr.schema import ensure_schema

LOADED_AT = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
NAME_VARIANT = ("Acme Supplies Inc", "ACME SUPPLIES, INC.")  # (Odoo partner, as printed on the scan)
MISSING_NUMBER = "NOT-IN-ODOO-0001"

# Non-cancelled vendor bills with what the plants need to know, each vendor+reference unique among them.
BILLS = """
WITH bills AS (
    SELECT m.id, m.ref, m.state, m.company_id, m.amount_total, coalesce(m.invoice_date, m.date) AS bill_date,
           c.name AS currency_code, p.id AS partner_id, p.name AS partner_name, p.vat,
           count(*) OVER (PARTITION BY m.commercial_partner_id,
                          upper(regexp_replace(m.ref, '[^A-Za-z0-9]', '', 'g'))) AS same_reference
    FROM account_move m
    JOIN res_partner p ON p.id = m.commercial_partner_id
    JOIN res_currency c ON c.id = m.currency_id
    WHERE m.move_type = 'in_invoice' AND m.state <> 'cancel'
),
names AS (  -- commercial partners sharing their first two words (the generator's name without legal form)
    SELECT id, count(*) OVER (PARTITION BY lower(split_part(name, ' ', 1) || ' ' || split_part(name, ' ', 2)))
           AS namesakes
    FROM res_partner WHERE id = commercial_partner_id
)
SELECT bills.* , names.namesakes
FROM bills JOIN names ON names.id = bills.partner_id
WHERE bills.same_reference = 1 AND bills.state = 'posted' AND bills.ref ~ '[0-9]'
ORDER BY bills.id
"""
CANCELLED = """
SELECT m.id, m.ref, p.id AS partner_id, p.vat, p.name AS partner_name, m.amount_total,
       coalesce(m.invoice_date, m.date) AS bill_date, c.name AS currency_code
FROM account_move m
JOIN res_partner p ON p.id = m.commercial_partner_id
JOIN res_currency c ON c.id = m.currency_id
WHERE m.move_type = 'in_invoice' AND m.state = 'cancel' AND p.vat IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM account_move o WHERE o.move_type = 'in_invoice' AND o.state <> 'cancel'
                  AND o.commercial_partner_id = m.commercial_partner_id
                  AND upper(regexp_replace(o.ref, '[^A-Za-z0-9]', '', 'g'))
                      = upper(regexp_replace(m.ref, '[^A-Za-z0-9]', '', 'g')))
ORDER BY m.id LIMIT 1
"""


@dataclass
class Plant:
    """One planted OCR invoice and the row ocr_bill_matching must give it."""

    name: str
    invoice: dict[str, Any]
    status: str
    move_id: int | None
    company_id: int | None
    matched_on: str | None
    amount_difference: Decimal | None
    date_difference_days: int | None = None
    duplicate_of: str | None = None  # the plant this one duplicates
    ocr_invoice_id: int = field(default=0)


def plant_ocr_invoices(dsn: str) -> dict[str, Plant]:
    """Create the ocr tables (the loader's DDL), plant the invoices, return them by name in load order."""
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        ensure_schema(conn)
        bills = conn.execute(BILLS).fetchall()
        [cancelled] = conn.execute(CANCELLED).fetchall()
        [us_company] = conn.execute("SELECT id FROM res_company WHERE name = 'Hybrid Finance US LLC'").fetchall()
        plants = _plants(conn, bills, cancelled, us_company["id"])
        for index, plant in enumerate(plants):
            plant.ocr_invoice_id = _insert(conn, plant.name, plant.invoice, LOADED_AT + dt.timedelta(minutes=index))
    return {plant.name: plant for plant in plants}


def _plants(conn: psycopg.Connection, bills: list[dict], cancelled: dict, us_company: int) -> list[Plant]:
    vendors = {cancelled["partner_id"]}

    def pick(condition) -> dict:  # the first bill that fits whose vendor no other plant uses
        bill = next(b for b in bills if b["partner_id"] not in vendors and condition(b))
        vendors.add(bill["partner_id"])
        return bill

    def printed(bill: dict, **changes: Any) -> dict[str, Any]:
        return {"vendor_name": bill["partner_name"], "vendor_vat": bill["vat"], "invoice_number": bill["ref"],
                "invoice_date": bill["bill_date"], "currency_code": bill["currency_code"],
                "amount_total": bill["amount_total"], **changes}

    def matched(name: str, bill: dict, matched_on: str, invoice: dict, **extra: Any) -> Plant:
        return Plant(name, invoice, "matched", bill["id"], bill["company_id"], matched_on,
                     invoice["amount_total"] - bill["amount_total"], **extra)

    def has_vat(bill: dict) -> bool:
        return bill["vat"] is not None

    exact = pick(has_vat)
    by_name = pick(lambda b: has_vat(b) and b["namesakes"] == 1)
    off = pick(has_vat)
    near = pick(lambda b: has_vat(b) and b["amount_total"] >= 1000)
    absent = pick(has_vat)
    twice = pick(has_vat)
    variant = pick(lambda b: True)
    shifted = pick(has_vat)
    conn.execute("UPDATE res_partner SET name = %s, vat = NULL WHERE id = %s", (NAME_VARIANT[0], variant["partner_id"]))

    off_amount = (off["amount_total"] * Decimal("1.05")).quantize(Decimal("0.01"))
    near_amount = (near["amount_total"] * Decimal("1.004")).quantize(Decimal("0.01"))
    original = printed(twice)
    return [
        # VAT printed with spaces for dashes, the number lower-cased: normalization still finds the bill
        matched("exact_vat", exact, "vat", printed(exact, vendor_vat=exact["vat"].replace("-", " "),
                                                   invoice_number=exact["ref"].lower())),
        matched("name_only", by_name, "name", printed(by_name, vendor_vat=None,
                                                      vendor_name=by_name["partner_name"].upper())),
        Plant("amount_off_5pct", printed(off, amount_total=off_amount), "amount_mismatch", off["id"],
              off["company_id"], "vat", off_amount - off["amount_total"]),
        matched("within_tolerance", near, "vat", printed(near, amount_total=near_amount)),
        Plant("missing_in_odoo", printed(absent, invoice_number=MISSING_NUMBER, amount_total=Decimal("150.00"),
                                         bill_to_name="HYBRID FINANCE US, LLC"), "missing_in_odoo", None, us_company,
              "vat", None),
        matched("original", twice, "vat", original),
        Plant("duplicate", dict(original), "duplicate", twice["id"], twice["company_id"], "vat", Decimal(0),
              duplicate_of="original"),
        matched("name_variant", variant, "name", printed(variant, vendor_vat=None, vendor_name=NAME_VARIANT[1])),
        matched("date_shifted", shifted, "vat", printed(shifted, invoice_date=shifted["bill_date"] + dt.timedelta(10)),
                date_difference_days=10),
        Plant("cancelled_in_odoo", printed(cancelled), "missing_in_odoo", None, None, "vat", None),
    ]


def _insert(conn: psycopg.Connection, name: str, invoice: dict[str, Any], loaded_at: dt.datetime) -> int:
    """One loaded document and its invoice, as the loader writes them (the document's hash is its key)."""
    sha = hashlib.sha256(f"planted/{name}".encode()).hexdigest()
    conn.execute(
        "INSERT INTO ocr.documents (content_sha256, source_name, media_type, size_bytes, engine, status, "
        "archive_path, received_at, loaded_at) VALUES (%s, %s, 'application/json', 512, 'json', 'loaded', %s, %s, %s)",
        (sha, f"{name}.json", f"archive/{sha}.json", loaded_at, loaded_at))
    row = {"content_sha256": sha, "source_name": f"{name}.json", "vendor_vat": None, "bill_to_name": None,
           "bill_to_vat": None, "confidence": Decimal("0.970"), "engine": "json", "extracted_at": loaded_at,
           "loaded_at": loaded_at, **invoice}
    query = sql.SQL("INSERT INTO ocr.invoices ({}) VALUES ({}) RETURNING id").format(
        sql.SQL(", ").join(map(sql.Identifier, row)), sql.SQL(", ").join([sql.Placeholder()] * len(row)))
    [found] = conn.execute(query, tuple(row.values())).fetchall()
    return found["id"]
