"""OCR as a tool: the invoice fields the pipeline would extract from a document in the OCR inbox, validated
the same way (the OCR service when configured, Tesseract otherwise), with the Odoo vendor bill it would
reconcile with. Reads only: the file stays where it is, nothing is loaded."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from psycopg import sql
from pydantic import Field

from dagster_project.mcp.context import Context, EnvArg, ToolSpec
from dagster_project.mcp.odoo import TIMEOUT_S
from dagster_project.mcp.reads import plain, read_only, rows
from dagster_project.ocr import extraction
from dagster_project.ocr.settings import load_settings
from dagster_project.ocr.validate import Rejected, parse_json, validate

JSON_SUFFIX = ".json"


def inbox_file(inbox: Path, relative: str) -> Path:
    """`relative` as a file of the inbox; anything that leads elsewhere (absolute, `..`, a link out) is refused."""
    candidate = Path(relative)
    path = (inbox / candidate).resolve()
    if candidate.is_absolute() or not path.is_relative_to(inbox.resolve()):
        raise ValueError(f"{relative!r} is not a file of the OCR inbox ({inbox}); fix: give its path inside the inbox")
    if not path.is_file():
        raise LookupError(f"{relative!r}: no such file in the OCR inbox ({inbox})")
    return path


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def matching_bill(dsn: str, invoice_number: str, vendor_vat: str | None, vendor_name: str) -> dict[str, Any] | None:
    """The posted or draft vendor bill whose reference is the invoice number, the vendor's VAT or name first."""
    with read_only(dsn, TIMEOUT_S) as conn:
        found = rows(conn, sql.SQL(
            "SELECT m.id, m.name, m.ref, m.state, m.payment_state, m.invoice_date, m.amount_total, "
            "p.name AS vendor, p.vat FROM account_move m JOIN res_partner p ON p.id = m.commercial_partner_id "
            "WHERE m.move_type IN ('in_invoice', 'in_refund') AND m.state <> 'cancel' "
            "AND upper(btrim(m.ref)) = upper(btrim(%(number)s)) "
            "ORDER BY (p.vat IS NOT NULL AND p.vat = %(vat)s) DESC, (p.name ILIKE %(name)s) DESC, m.id LIMIT 1"),
            {"number": invoice_number, "vat": vendor_vat, "name": vendor_name})
    return {k: plain(v) for k, v in found[0].items()} if found else None


def tools(ctx: Context) -> list[ToolSpec]:
    def ocr_extract_invoice(
            path: Annotated[str, Field(description="The document's path inside the OCR inbox (a PDF, an image, or "
                                                   "an OCR JSON), e.g. supplier/INV-1187.pdf.")],
            env: EnvArg = None) -> dict[str, Any]:
        """The invoice fields the OCR pipeline extracts from an inbox document, validated as the sensor does,
        and the Odoo vendor bill it would reconcile with (by reference). Changes nothing."""
        environment = ctx.environment(env)
        settings = load_settings()
        file = inbox_file(settings.inbox, path)
        if file.suffix.lower() == JSON_SUFFIX:
            payload, engine = parse_json(file.read_bytes()), "json"
        else:
            payload = extraction.extract_document(file, service_url=settings.service_url)
            engine = str(payload.get("engine", "tesseract"))
        try:
            invoice = validate(payload, settings.min_confidence)
        except Rejected as exc:
            problems = "; ".join(f"{p.field or 'document'}: {p.reason}: {p.message} (fix: {p.fix})"
                                 for p in exc.problems)
            raise ValueError(f"{path}: the pipeline would quarantine it: {problems}") from exc
        bill = matching_bill(environment.value("odoo", "db_url"), invoice.invoice_number, invoice.vendor_vat,
                             invoice.vendor_name)
        difference = (Decimal(str(bill["amount_total"])) - invoice.amount_total) if bill else None
        return {"env": environment.name, "path": str(file.relative_to(settings.inbox.resolve())), "engine": engine,
                "invoice": _json_safe(dataclasses.asdict(invoice)), "odoo_bill": bill,
                "amount_difference": str(difference) if difference is not None else None}

    return [ToolSpec("ocr_extract_invoice", ocr_extract_invoice)]
