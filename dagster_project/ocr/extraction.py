"""One scanned vendor invoice (PDF, PNG, JPEG, TIFF) to the platform's OCR JSON (see ocr_json.py), by the OCR
service when OCR_SERVICE_URL is set, else by the local engine: a PDF's text layer where it has one, Tesseract
on the page images otherwise, then field extraction from the text (fields.py).

The result is what was extracted, not validated: fields not found are None, and an image that is not an
invoice yields a result without invoice_number and total rather than an error."""

from __future__ import annotations

import statistics
from decimal import Decimal
from pathlib import Path
from typing import Any

from dagster_project.ocr.documents import SUPPORTED_SUFFIXES, Document, read_document
from dagster_project.ocr.errors import ServiceUnavailable, TesseractUnavailable, UnreadableDocument
from dagster_project.ocr.fields import extract_fields
from dagster_project.ocr.images import Scan, image_scans
from dagster_project.ocr.ocr_json import stamped
from dagster_project.ocr.pdf import pdf_pages
from dagster_project.ocr.service import extract_with_service
from dagster_project.ocr.tesseract import ocr_page
from dagster_project.ocr.textlines import PageText
from dagster_project.ocr.values import MILLI

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ServiceUnavailable",
    "TesseractUnavailable",
    "UnreadableDocument",
    "extract_document",
]


def extract_document(path: Path, *, service_url: str | None) -> dict[str, Any]:
    """The document's OCR JSON (numbers as Decimal), `engine` "service" or "tesseract".

    Raises UnreadableDocument (quarantine it: empty, corrupt, unknown type, rejected by the service) or
    ServiceUnavailable (leave it for the next tick: service down, or tesseract missing: TesseractUnavailable).
    """
    document = read_document(path)
    if service_url:
        return extract_with_service(document, service_url)
    return extract_locally(document)


def read_pages(document: Document) -> list[PageText]:
    """Each page's text: the PDF's text layer where it has one, Tesseract on the page image otherwise."""
    sources = pdf_pages(document) if document.media_type == "application/pdf" else image_scans(document)
    return [
        ocr_page(source, number, document.name) if isinstance(source, Scan) else source
        for number, source in enumerate(sources, start=1)
    ]


def extract_locally(document: Document) -> dict[str, Any]:
    """The pages' text, then the fields; `confidence` is the mean word confidence."""
    pages = read_pages(document)
    result: dict[str, Any] = dict(extract_fields([line for page in pages for line in page.lines]))
    result["confidence"] = confidence(pages)
    return stamped(result, "tesseract")


def confidence(pages: list[PageText]) -> Decimal:
    scores = [score for page in pages for score in page.word_confidences]
    return Decimal(statistics.fmean(scores) if scores else 0).quantize(MILLI)
