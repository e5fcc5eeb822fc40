"""The `ocr` warehouse schema: documents keyed by the SHA-256 of their content, so a re-delivered file changes
nothing, and the invoices and lines extracted from them. Created idempotently by whoever loads first."""

from __future__ import annotations

import psycopg

from dagster_project.config import schemas

SCHEMA = "ocr"

DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS ocr.documents (
        content_sha256 text PRIMARY KEY CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
        source_name text NOT NULL,
        media_type text NOT NULL,
        size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
        engine text NOT NULL CHECK (engine IN ('json', 'service', 'tesseract')),
        status text NOT NULL CHECK (status IN ('loaded', 'quarantined')),
        reason text,
        archive_path text NOT NULL,
        run_id text,
        received_at timestamptz NOT NULL,
        loaded_at timestamptz NOT NULL DEFAULT now()
    )""",
    """CREATE TABLE IF NOT EXISTS ocr.invoices (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        content_sha256 text NOT NULL UNIQUE REFERENCES ocr.documents (content_sha256),
        source_name text NOT NULL,
        vendor_name text NOT NULL,
        vendor_vat text,
        bill_to_name text,
        bill_to_vat text,
        invoice_number text NOT NULL,
        invoice_date date NOT NULL,
        due_date date,
        currency_code char(3) NOT NULL,
        amount_untaxed numeric(16, 2),
        amount_tax numeric(16, 2),
        amount_total numeric(16, 2) NOT NULL CHECK (amount_total > 0),
        confidence numeric(4, 3) NOT NULL CHECK (confidence BETWEEN 0 AND 1),
        engine text NOT NULL,
        extracted_at timestamptz NOT NULL,
        loaded_at timestamptz NOT NULL DEFAULT now()
    )""",
    "CREATE INDEX IF NOT EXISTS invoices_vendor_number_idx ON ocr.invoices (invoice_number, vendor_vat)",
    """CREATE TABLE IF NOT EXISTS ocr.invoice_lines (
        invoice_id bigint NOT NULL REFERENCES ocr.invoices (id) ON DELETE CASCADE,
        line_number integer NOT NULL CHECK (line_number >= 1),
        description text NOT NULL,
        quantity numeric(16, 4),
        unit_price numeric(16, 4),
        tax_rate numeric(6, 4),
        amount numeric(16, 2) NOT NULL,
        confidence numeric(4, 3),
        PRIMARY KEY (invoice_id, line_number)
    )""",
)


def ensure_schema(conn: psycopg.Connection) -> None:
    """Create the `ocr` tables if missing (safe to call on every load; runs in the caller's transaction)."""
    schemas.ensure_schema(conn, SCHEMA)
    for statement in DDL:
        conn.execute(statement)
