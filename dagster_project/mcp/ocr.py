"""OCR as tools, through the sensor's engine (the OCR service when configured, Tesseract otherwise): a document's
text, page by page with its confidence; and the invoice fields the pipeline would extract, validated the same
way, with the Odoo vendor bill it would reconcile with. Reads only: the file stays where it is, nothing is
loaded. A document is a file of the OCR inbox or, for the text, a URL on an allow-listed host."""

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
from dagster_project.ocr.documents import Document, read_document
from dagster_project.ocr.download import download
from dagster_project.ocr.service import extract_with_service
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


def page_texts(document: Document, service_url: str | None) -> dict[str, Any]:
    """The document's text and confidence, per page where the engine gives pages."""
    if service_url:
        answer = extract_with_service(document, service_url)
        text = answer.get("text")
        return {"engine": "service", "confidence": _json_safe(answer.get("confidence")),
                "text": text if isinstance(text, str) else None, "pages": None}
    pages = extraction.read_pages(document)
    return {"engine": "tesseract", "confidence": str(extraction.confidence(pages)),
            "text": "\n\f".join("\n".join(line.text for line in page.lines) for page in pages),
            "pages": [{"number": page.number, "lines": len(page.lines),
                       "confidence": str(extraction.confidence([page])),
                       "text": "\n".join(line.text for line in page.lines)} for page in pages]}


def tools(ctx: Context) -> list[ToolSpec]:
    def ocr_process_document(
            path: Annotated[str | None, Field(description="The document's path inside the OCR inbox, e.g. "
                                                          "supplier/INV-1187.pdf (give this or url).")] = None,
            url: Annotated[str | None, Field(description="An http(s) URL on a host in OCR_URL_ALLOWED_HOSTS "
                                                         "(give this or path).")] = None,
    ) -> dict[str, Any]:
        """A PDF's or image's text as OCR reads it: the whole text, each page's text and the mean word
        confidence (0..1; the pipeline quarantines below OCR_MIN_CONFIDENCE). Changes nothing."""
        if (path is None) == (url is None):
            raise ValueError("give exactly one of path (inside the OCR inbox) and url (an allow-listed host)")
        settings = load_settings()
        if path is not None:
            file = inbox_file(settings.inbox, path)
            document, source = read_document(file), str(file.relative_to(settings.inbox.resolve()))
        else:
            document, source = download(url, settings.url_hosts), url
        return {"source": source, "media_type": document.media_type, "bytes": len(document.data),
                **page_texts(document, settings.service_url)}

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

    return [ToolSpec("ocr_process_document", ocr_process_document),
            ToolSpec("ocr_extract_invoice", ocr_extract_invoice)]
