"""Writes to the `ocr` schema. A load is one transaction: documents, invoices and their lines together.

Idempotency is the database's: documents are keyed by content hash; a loaded document is never replaced
(`ON CONFLICT ... WHERE status = 'quarantined'`), an invoice is inserted at most once per hash
(`ON CONFLICT (content_sha256) DO NOTHING`), so re-delivering or re-running changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg

from dagster_project.ocr.schema import ensure_schema
from dagster_project.ocr.validate import Invoice

SCHEMA_LOCK = 0x6F6372  # pg_advisory_xact_lock key: one creator of the schema at a time

_DOCUMENT = """
    INSERT INTO ocr.documents AS d (content_sha256, source_name, media_type, size_bytes, engine, status, reason,
                                    archive_path, run_id, received_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (content_sha256) DO UPDATE SET
        source_name = EXCLUDED.source_name, media_type = EXCLUDED.media_type, size_bytes = EXCLUDED.size_bytes,
        engine = EXCLUDED.engine, status = EXCLUDED.status, reason = EXCLUDED.reason,
        archive_path = EXCLUDED.archive_path, run_id = EXCLUDED.run_id, received_at = EXCLUDED.received_at,
        loaded_at = now()
    WHERE d.status = 'quarantined'
    RETURNING content_sha256"""

_INVOICE = """
    INSERT INTO ocr.invoices (content_sha256, source_name, vendor_name, vendor_vat, bill_to_name, bill_to_vat,
                              invoice_number, invoice_date, due_date, currency_code, amount_untaxed, amount_tax,
                              amount_total, confidence, engine, extracted_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (content_sha256) DO NOTHING
    RETURNING id, content_sha256"""

_LINES = """COPY ocr.invoice_lines (invoice_id, line_number, description, quantity, unit_price, tax_rate, amount,
                                    confidence) FROM STDIN"""


@dataclass(frozen=True)
class DocumentRow:
    content_sha256: str
    source_name: str
    media_type: str
    size_bytes: int
    engine: str
    status: str  # loaded | quarantined
    reason: str | None
    archive_path: str
    run_id: str | None
    received_at: dt.datetime
    invoice: Invoice | None = None

    def params(self) -> tuple[object, ...]:
        return (self.content_sha256, self.source_name, self.media_type, self.size_bytes, self.engine, self.status,
                self.reason, self.archive_path, self.run_id, self.received_at)


@dataclass(frozen=True)
class Known:
    status: str
    archive_path: str


def prepare(conn: psycopg.Connection) -> None:
    """Create the schema if missing, serialised so concurrent first runs do not race on CREATE."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        ensure_schema(conn)


def known(conn: psycopg.Connection, hashes: list[str]) -> dict[str, Known]:
    rows = conn.execute("SELECT content_sha256, status, archive_path FROM ocr.documents "
                        "WHERE content_sha256 = ANY(%s)", (hashes,)).fetchall()
    return {sha: Known(status, path) for sha, status, path in rows}


def stored_invoices(conn: psycopg.Connection, hashes: list[str]) -> dict[str, Invoice]:
    """The loaded invoices of `hashes` (without their lines): what a crashed run committed but never reported."""
    rows = conn.execute(
        "SELECT content_sha256, vendor_name, vendor_vat, bill_to_name, bill_to_vat, invoice_number, invoice_date, "
        "due_date, currency_code, amount_untaxed, amount_tax, amount_total, confidence, extracted_at "
        "FROM ocr.invoices WHERE content_sha256 = ANY(%s)", (hashes,)).fetchall()
    return {row[0]: Invoice(*row[1:]) for row in rows}


def load(conn: psycopg.Connection, rows: list[DocumentRow]) -> tuple[set[str], set[str]]:
    """One transaction for `rows`: (hashes whose document row was written, hashes whose invoice was inserted).

    A document missing from the first set was loaded by someone else meanwhile: a duplicate delivery.
    """
    with conn.transaction(), conn.cursor() as cur:
        written = _returning(cur, _DOCUMENT, [row.params() for row in rows])
        valid = [row for row in rows if row.invoice is not None and row.content_sha256 in written]
        ids = {sha: invoice_id for invoice_id, sha in
               _returning_rows(cur, _INVOICE, [_invoice_params(row) for row in valid])}
        with cur.copy(_LINES) as copy:
            for row in valid:
                if row.content_sha256 in ids:
                    for line in row.invoice.lines:
                        copy.write_row((ids[row.content_sha256], line.line_number, line.description, line.quantity,
                                        line.unit_price, line.tax_rate, line.amount, line.confidence))
    return written, set(ids)


def _invoice_params(row: DocumentRow) -> tuple[object, ...]:
    inv = row.invoice
    return (row.content_sha256, row.source_name, inv.vendor_name, inv.vendor_vat, inv.bill_to_name, inv.bill_to_vat,
            inv.invoice_number, inv.invoice_date, inv.due_date, inv.currency_code, inv.amount_untaxed,
            inv.amount_tax, inv.amount_total, inv.confidence, row.engine, inv.extracted_at)


def _returning(cur: psycopg.Cursor, query: str, params: list[tuple[object, ...]]) -> set[str]:
    return {row[0] for row in _returning_rows(cur, query, params)}


def _returning_rows(cur: psycopg.Cursor, query: str, params: list[tuple[object, ...]]) -> list[tuple]:
    if not params:
        return []
    cur.executemany(query, params, returning=True)
    rows = []
    while True:
        rows += cur.fetchall()
        if not cur.nextset():
            return rows


def counts(conn: psycopg.Connection) -> dict[str, int]:
    """Loaded and quarantined documents, invoices and lines (zeros before the first load)."""
    if conn.execute("SELECT to_regclass('ocr.invoice_lines')").fetchone()[0] is None:
        return {"loaded": 0, "quarantined": 0, "invoices": 0, "invoice_lines": 0}
    loaded, quarantined = conn.execute(
        "SELECT count(*) FILTER (WHERE status = 'loaded'), count(*) FILTER (WHERE status = 'quarantined') "
        "FROM ocr.documents").fetchone()
    invoices = conn.execute("SELECT count(*) FROM ocr.invoices").fetchone()[0]
    lines = conn.execute("SELECT count(*) FROM ocr.invoice_lines").fetchone()[0]
    return {"loaded": loaded, "quarantined": quarantined, "invoices": invoices, "invoice_lines": lines}
