"""OCR extraction: the real Tesseract on invoices rendered by the test (PNG, scanned PDF, born-digital PDF,
JPEG, multi-page TIFF), field extraction on typed invoice text, and the OCR service client against a real
HTTP server started by the test."""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import json
import os
import re
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from dagster_project.ocr import service
from dagster_project.ocr.extraction import (
    SUPPORTED_SUFFIXES,
    ServiceUnavailable,
    TesseractUnavailable,
    UnreadableDocument,
    extract_document,
)
from dagster_project.ocr.fields import extract_fields
from dagster_project.ocr.textlines import Segment, TextLine
from dagster_project.ocr.values import parse_amount, parse_date
from dagster_project.stack.scratch import free_port
from tests.ocr.rendering import (
    InvoiceSpec,
    Item,
    gradient_png,
    layout,
    page_image,
    prose_png,
    render_image_pdf,
    render_png,
    render_text_pdf,
)

THREE_LINES = InvoiceSpec(items=(
    Item("Office chairs", 2, Decimal("5000.00")),
    Item("Standing desk, oak", 1, Decimal("18450.50")),
    Item("Printer paper A4 (box)", 12, Decimal("245.75")),
))
FIVE_LINES = InvoiceSpec(items=(
    *THREE_LINES.items,
    Item("Whiteboard markers", 30, Decimal("45.00")),
    Item("Delivery and installation", 1, Decimal("1500.00")),
), rows_per_page=3)
RELABELLED = InvoiceSpec(
    vendor_name="Pacific Paper Trading Corp.", vendor_vat="12-3456789", invoice_number="PPT/26/1187",
    invoice_date=dt.date(2026, 3, 5), due_date=dt.date(2026, 4, 4), currency="USD", items=THREE_LINES.items,
    date_format="%b %d, %Y",
    labels={"vat": "Tax ID:", "number": "Invoice #", "date": "Date Issued:", "due": "Payment Due:",
            "bill_to": "Sold To:", "description": "Item Description", "quantity": "Quantity", "unit_price": "Rate",
            "amount": "Line Total", "subtotal": "Sub-total", "tax": "Sales Tax (12%)", "total": "Amount Due"},
)
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def assert_header(result: dict, spec: InvoiceSpec) -> None:
    """The fields a user checks first, exactly as the rendered invoice states them."""
    assert result["vendor"] == {"name": spec.vendor_name.upper(), "vat": spec.vendor_vat}
    assert result["bill_to"] == {"name": spec.bill_to_name, "vat": spec.bill_to_vat}
    assert result["invoice_number"] == spec.invoice_number
    assert result["invoice_date"] == spec.invoice_date.isoformat()
    assert result["due_date"] == (spec.due_date.isoformat() if spec.due_date else None)
    assert result["currency"] == spec.currency


def assert_amounts(result: dict, spec: InvoiceSpec) -> None:
    assert (result["amount_untaxed"], result["tax"], result["total"]) == (spec.subtotal, spec.tax, spec.total)


def line_values(result: dict) -> list[tuple[str, Decimal | None, Decimal | None, Decimal]]:
    return [(line["description"], line["quantity"], line["unit_price"], line["amount"]) for line in result["lines"]]


def expected_lines(spec: InvoiceSpec) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [(item.description, Decimal(item.quantity), item.unit_price, item.amount) for item in spec.items]


# --- Tesseract on rendered invoices ---------------------------------------------------------------------------


def test_tesseract_reads_an_invoice_png(tmp_path: Path) -> None:
    started = time.perf_counter()
    result = extract_document(render_png(THREE_LINES, tmp_path / "acme.png"), service_url=None)
    print(f"one Tesseract extraction of a letter page at 200 dpi: {time.perf_counter() - started:.2f} s")
    assert_header(result, THREE_LINES)
    assert_amounts(result, THREE_LINES)
    assert result["engine"] == "tesseract"
    assert Decimal("0.80") <= result["confidence"] <= 1  # clean render: well above A2's default threshold
    assert TIMESTAMP.match(result["extracted_at"])
    assert json.loads(json.dumps(result, default=str))["total"] == "35167.44"  # serializable as the docs say


def test_line_items_match_the_rendered_rows(tmp_path: Path) -> None:
    result = extract_document(render_png(THREE_LINES, tmp_path / "acme.png"), service_url=None)
    assert line_values(result) == expected_lines(THREE_LINES)
    assert sum(line["amount"] for line in result["lines"]) == result["amount_untaxed"] == THREE_LINES.subtotal
    assert all(Decimal("0.8") <= line["confidence"] <= 1 for line in result["lines"])


def test_tesseract_reads_a_scanned_pdf(tmp_path: Path) -> None:
    path = render_image_pdf(THREE_LINES, tmp_path / "scan.pdf")
    assert pdfium.PdfDocument(path)[0].get_textpage().get_text_range().strip() == ""  # no text layer: OCR it
    result = extract_document(path, service_url=None)
    assert_header(result, THREE_LINES)
    assert_amounts(result, THREE_LINES)
    assert line_values(result) == expected_lines(THREE_LINES)
    assert Decimal("0.80") <= result["confidence"] < 1


def test_a_pdf_text_layer_is_read_without_ocr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = render_text_pdf(THREE_LINES, tmp_path / "digital.pdf")
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract reachable: only the text layer can be read
    result = extract_document(path, service_url=None)
    assert_header(result, THREE_LINES)
    assert_amounts(result, THREE_LINES)
    assert line_values(result) == expected_lines(THREE_LINES)
    assert result["confidence"] == Decimal("1.000")


def test_other_label_spellings_date_formats_and_currency(tmp_path: Path) -> None:
    result = extract_document(render_png(RELABELLED, tmp_path / "pacific.png"), service_url=None)
    assert_header(result, RELABELLED)
    assert_amounts(result, RELABELLED)
    assert line_values(result) == expected_lines(RELABELLED)


@pytest.mark.parametrize("date_format", ["%m/%d/%Y", "%Y-%m-%d", "%d %B %Y"])
def test_date_formats_on_a_text_layer(tmp_path: Path, date_format: str) -> None:
    spec = InvoiceSpec(date_format=date_format, items=THREE_LINES.items)
    result = extract_document(render_text_pdf(spec, tmp_path / "dates.pdf"), service_url=None)
    assert (result["invoice_date"], result["due_date"]) == ("2026-10-31", "2026-11-30")


def test_a_two_page_tiff_continues_the_table_and_totals_on_page_two(tmp_path: Path) -> None:
    first, *rest = (page_image(page) for page in layout(FIVE_LINES))
    assert len(rest) == 1
    path = tmp_path / "two-pages.tif"
    first.save(path, save_all=True, append_images=rest, compression="tiff_lzw")
    result = extract_document(path, service_url=None)
    assert_header(result, FIVE_LINES)
    assert_amounts(result, FIVE_LINES)
    assert line_values(result) == expected_lines(FIVE_LINES)


def test_a_two_page_text_pdf(tmp_path: Path) -> None:
    result = extract_document(render_text_pdf(FIVE_LINES, tmp_path / "two-pages.pdf"), service_url=None)
    assert_amounts(result, FIVE_LINES)
    assert line_values(result) == expected_lines(FIVE_LINES)


def test_a_low_resolution_skewed_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "phone-scan.jpg"
    page_image(layout(THREE_LINES)[0], dpi=120).rotate(1.0, expand=True, fillcolor=255).save(path, quality=55)
    result = extract_document(path, service_url=None)
    assert result["vendor"]["name"] == "ACME SUPPLIES INC."
    assert (result["invoice_number"], result["invoice_date"]) == ("INV-2026-0042", "2026-10-31")
    assert_amounts(result, THREE_LINES)
    assert [line["amount"] for line in result["lines"]] == [item.amount for item in THREE_LINES.items]


# --- what is not an invoice -------------------------------------------------------------------------------------


@pytest.mark.parametrize("render", [gradient_png, prose_png], ids=["photo-like gradient", "page of prose"])
def test_an_image_that_is_not_an_invoice_has_no_number_and_no_total(tmp_path: Path, render) -> None:
    result = extract_document(render(tmp_path / "picture.png"), service_url=None)
    assert result["invoice_number"] is None
    assert result["total"] is None
    assert result["lines"] == []
    assert result["engine"] == "tesseract"


def test_a_corrupt_png_is_unreadable(tmp_path: Path) -> None:
    real = render_png(THREE_LINES, tmp_path / "real.png").read_bytes()
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(real[: len(real) // 3])
    with pytest.raises(UnreadableDocument, match=r"truncated\.png is not a readable PNG image"):
        extract_document(truncated, service_url=None)
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really an image" * 10)
    with pytest.raises(UnreadableDocument, match=r"garbage\.png is not a readable PNG image"):
        extract_document(garbage, service_url=None)


@pytest.mark.parametrize("side", [10_000, 100_000])  # above Pillow's warning bound, and above its error bound
def test_a_png_declaring_gigapixels_is_refused_before_it_is_decoded(tmp_path: Path, side: int) -> None:
    """A 57-byte decompression bomb: a header declaring side x side pixels and no image data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
                     + chunk(b"IEND", b""))
    with pytest.raises(UnreadableDocument, match=r"bomb\.png declares more pixels than a scan may have .*"
                                                 r"at most 89,478,485 pixels.*scan it again at 300 dpi"):
        extract_document(bomb, service_url=None)


def test_a_truncated_tiff_is_unreadable(tmp_path: Path) -> None:
    whole = tmp_path / "whole.tif"
    first, *rest = (page_image(page) for page in layout(FIVE_LINES))
    first.save(whole, save_all=True, append_images=rest, compression="tiff_lzw")
    cut = tmp_path / "cut.tif"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 9 // 10])  # Pillow writes the directory last
    with pytest.raises(UnreadableDocument, match=r"cut\.tif is not a readable TIFF image"):
        extract_document(cut, service_url=None)


def test_an_empty_file_is_unreadable(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.touch()
    with pytest.raises(UnreadableDocument, match=r"empty\.pdf is empty \(0 bytes\)"):
        extract_document(empty, service_url=None)


def test_a_symlink_a_fifo_or_an_oversized_file_is_unreadable_and_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "secret.pdf"
    secret.parent.mkdir()
    secret.write_bytes(b"%PDF-1.7 not for the OCR")
    link = tmp_path / "invoice.pdf"
    link.symlink_to(secret)
    with pytest.raises(UnreadableDocument, match=r"invoice\.pdf: cannot be read \(it is a symbolic link\)"):
        extract_document(link, service_url=None)
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableDocument, match=r"pipe\.pdf is not a regular file"):
        extract_document(fifo, service_url=None)
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as handle:  # sparse: 51 MB that take no disk
        handle.write(b"%PDF-1.7")
        handle.truncate(51 * 2**20)
    with pytest.raises(UnreadableDocument, match=r"huge\.pdf is 51 MB, above the 50 MB a document may have"):
        extract_document(huge, service_url=None)


def test_unknown_and_broken_files_are_unreadable(tmp_path: Path) -> None:
    text = tmp_path / "notes.pdf"
    text.write_text("just some notes")
    with pytest.raises(UnreadableDocument, match=r"notes\.pdf is not a PDF, PNG, JPEG or TIFF document"):
        extract_document(text, service_url=None)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + os.urandom(256))
    with pytest.raises(UnreadableDocument, match=r"broken\.pdf is not a readable PDF"):
        extract_document(broken, service_url=None)


def test_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    name = os.fsdecode(b"factura-\xff.png")
    path = render_png(THREE_LINES, tmp_path / name)
    assert extract_document(path, service_url=None)["invoice_number"] == "INV-2026-0042"
    path.write_bytes(b"")
    with pytest.raises(UnreadableDocument) as raised:
        extract_document(path, service_url=None)
    assert str(raised.value).startswith("factura-\\xff.png is empty")
    str(raised.value).encode("utf-8")  # printable in a log or a reason file


def test_missing_tesseract_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = render_png(THREE_LINES, tmp_path / "acme.png")
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without tesseract-ocr
    with pytest.raises(TesseractUnavailable, match=r"apt-get install tesseract-ocr") as raised:
        extract_document(path, service_url=None)
    assert isinstance(raised.value, ServiceUnavailable)  # the document stays in the inbox for the next tick


def test_supported_suffixes() -> None:
    assert frozenset({".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}) == SUPPORTED_SUFFIXES


# --- field extraction from typed text -------------------------------------------------------------------------


def text_lines(text: str) -> list[TextLine]:
    """Lines as an engine delivers them: runs separated by three or more spaces are separate segments."""
    lines = []
    for raw in text.splitlines():
        segments = tuple(Segment(m.group(), float(m.start()), 1.0) for m in re.finditer(r"\S+(?: {1,2}\S+)*", raw))
        if segments:
            lines.append(TextLine(segments, 1.0, 1))
    return lines


TWO_COLUMNS = """
GLOBAL OFFICE DEPOT, INC.                         SALES INVOICE
Unit 5, 88 Shaw Blvd, Pasig City                  Invoice No.:  SI-000981
TIN 234-567-890-000                               Date: October 31, 2026
                                                  Terms: Net 30
Sold To:                                          Due Date: 11/30/2026
Northwind Trading Corp.
TIN: 987-654-321-000

Qty   Particulars                 Unit Price     Amount
3     Toner cartridge 85A          ₱3,250.00      ₱9,750.00
10    Ream bond paper              ₱250.00        ₱2,500.00

                                   VATable Sales     ₱12,250.00
                                   12% VAT           ₱1,470.00
                                   TOTAL AMOUNT DUE  ₱13,720.00
"""

EUROPEAN = """
From: Nordic Components GmbH
VAT ID: DE-123456789
Invoice # 2026/117
Invoice date 2026-10-31
Due 30.11.2026
Bill to: Northwind Trading Corp.
Description          Quantity   Price      VAT %   Total
Sensor module X2          4     1.250,00   19%     5.000,00
Cable set                10       12,50    19%       125,00
Net amount                                          5.125,00
VAT 19%                                               973,75
Grand total EUR                                     6.098,75
"""


def test_fields_of_a_two_column_layout_with_peso_signs() -> None:
    result = extract_fields(text_lines(TWO_COLUMNS))
    assert result["vendor"] == {"name": "GLOBAL OFFICE DEPOT, INC.", "vat": "234-567-890-000"}
    assert result["bill_to"] == {"name": "Northwind Trading Corp.", "vat": "987-654-321-000"}
    assert (result["invoice_number"], result["invoice_date"], result["due_date"]) == \
        ("SI-000981", "2026-10-31", "2026-11-30")
    assert result["currency"] == "PHP"
    assert (result["amount_untaxed"], result["tax"], result["total"]) == \
        (Decimal("12250.00"), Decimal("1470.00"), Decimal("13720.00"))
    assert line_values(result) == [("Toner cartridge 85A", 3, 3250, Decimal("9750.00")),
                                   ("Ream bond paper", 10, 250, Decimal("2500.00"))]


def test_fields_with_a_from_label_european_amounts_and_tax_rates() -> None:
    result = extract_fields(text_lines(EUROPEAN))
    assert result["vendor"] == {"name": "Nordic Components GmbH", "vat": "DE-123456789"}
    assert result["bill_to"] == {"name": "Northwind Trading Corp.", "vat": None}
    assert (result["invoice_number"], result["invoice_date"], result["due_date"]) == \
        ("2026/117", "2026-10-31", "2026-11-30")
    assert result["currency"] == "EUR"
    assert (result["amount_untaxed"], result["tax"], result["total"]) == \
        (Decimal("5125.00"), Decimal("973.75"), Decimal("6098.75"))
    assert [(line["quantity"], line["unit_price"], line["tax_rate"], line["amount"]) for line in result["lines"]] == \
        [(4, Decimal("1250"), Decimal("0.19"), Decimal("5000.00")), (10, Decimal("12.5"), Decimal("0.19"),
                                                                      Decimal("125.00"))]


def test_prose_mentioning_totals_and_invoices_is_not_an_invoice() -> None:
    result = extract_fields(text_lines("""
        Minutes of the garden committee
        Total attendance reached 1,200 people this year.
        Invoice processing will start next week.
        The total was 45.00 for seeds, due 12 March 2026.
    """))
    assert (result["invoice_number"], result["total"], result["amount_untaxed"], result["tax"]) == \
        (None, None, None, None)
    assert result["lines"] == []


@pytest.mark.parametrize(("line", "currency", "total"), [
    ("TOTAL    P 11,200.00", "PHP", "11200.00"),
    ("Total Due: Php 11,200.00", "PHP", "11200.00"),
    ("Total: $1,234.56", "USD", "1234.56"),
    ("Amount Due (USD)   1,234.56", "USD", "1234.56"),
    ("Grand Total   €1.234,56", "EUR", "1234.56"),
    ("Tota1 Amount: 11,2OO.00", None, "11200.00"),  # OCR read l as 1 and 0 as O
])
def test_total_and_currency_spellings(line: str, currency: str | None, total: str) -> None:
    result = extract_fields(text_lines(f"Invoice No: 7\n{line}"))
    assert (result["currency"], result["total"]) == (currency, Decimal(total))


@pytest.mark.parametrize(("text", "iso"), [
    ("2026-10-31", "2026-10-31"), ("31 Oct 2026", "2026-10-31"), ("31-Oct-2026", "2026-10-31"),
    ("Oct 31, 2026", "2026-10-31"), ("October 31st, 2026", "2026-10-31"), ("10/31/2026", "2026-10-31"),
    ("31/10/2026", "2026-10-31"), ("31.10.2026", "2026-10-31"), ("3l 0ct 2O26", "2026-10-31"),
    ("02/03/26", "2026-02-03"), ("31 Feb 2026", None), ("Net 30", None),
])
def test_dates(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(("text", "value"), [
    ("1,234.56", "1234.56"), ("1.234,56", "1234.56"), ("1'234.56", "1234.56"), ("12,50", "12.50"),
    ("1,200", "1200.00"), ("11.200.00", "11200.00"), ("(1,200.00)", "-1200.00"), ("10000", "10000.00"),
])
def test_amounts(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


# --- the OCR service over HTTP --------------------------------------------------------------------------------


@dataclass
class OcrService:
    """A real HTTP server on a free port standing in for the OCR service; `reply` is what it answers."""

    url: str
    status: int = 200
    body: bytes = b"{}"
    delay: float = 0.0
    requests: list[dict] = field(default_factory=list)

    def answer(self, status: int, payload: dict | str, delay: float = 0.0) -> None:
        self.status, self.delay = status, delay
        self.body = (json.dumps(payload) if isinstance(payload, dict) else payload).encode()


@pytest.fixture
def ocr_service() -> Iterator[OcrService]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), OcrHandler)
    state = OcrService(f"http://127.0.0.1:{server.server_address[1]}/")
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


class OcrHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        state: OcrService = self.server.state  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body)
        parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        state.requests.append({"path": self.path, "parts": parts})
        time.sleep(state.delay)
        self.send_response(state.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(state.body)))
        self.end_headers()
        self.wfile.write(state.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
        pass


SERVICE_ANSWER = {
    "vendor": {"name": "Acme Supplies Inc.", "vat": "PH-123-456-789"}, "bill_to": None,
    "invoice_number": "INV-2026-0042", "invoice_date": "2026-10-31", "due_date": "2026-11-30", "currency": "PHP",
    "amount_untaxed": 10000.00, "tax": 1200.00, "total": 11200.10, "confidence": 0.93,
    "lines": [{"description": "Office chairs", "quantity": 2, "unit_price": 5000.0, "tax_rate": 0.12,
               "amount": 10000.0, "confidence": 0.9}],
}


def test_the_service_receives_the_file_and_its_answer_comes_back(tmp_path: Path, ocr_service: OcrService) -> None:
    path = render_png(THREE_LINES, tmp_path / "acme.png")
    ocr_service.answer(200, SERVICE_ANSWER)
    result = extract_document(path, service_url=ocr_service.url)
    [request] = ocr_service.requests
    assert request["path"] == "/api/invoice"
    upload = request["parts"]["file"]
    assert upload.get_filename() == "acme.png"
    assert upload.get_content_type() == "image/png"
    assert upload.get_payload(decode=True) == path.read_bytes()
    assert result["engine"] == "service"
    assert TIMESTAMP.match(result["extracted_at"])
    assert (result["invoice_number"], result["total"], result["confidence"]) == \
        ("INV-2026-0042", Decimal("11200.10"), Decimal("0.93"))  # exact decimals, as the loader reads JSON
    assert result["lines"][0]["amount"] == Decimal("10000.0")


def test_the_service_keeps_its_own_extraction_time(tmp_path: Path, ocr_service: OcrService) -> None:
    ocr_service.answer(200, {**SERVICE_ANSWER, "extracted_at": "2026-11-22T03:00:00Z", "engine": "paddleocr"})
    result = extract_document(render_png(THREE_LINES, tmp_path / "acme.png"), service_url=ocr_service.url)
    assert (result["extracted_at"], result["engine"]) == ("2026-11-22T03:00:00Z", "service")


def test_a_file_name_that_is_not_utf8_is_uploaded(tmp_path: Path, ocr_service: OcrService) -> None:
    path = render_png(THREE_LINES, tmp_path / os.fsdecode(b"scan-\xe9.png"))
    ocr_service.answer(200, SERVICE_ANSWER)
    extract_document(path, service_url=ocr_service.url)
    assert ocr_service.requests[0]["parts"]["file"].get_filename() == "scan-\ufffd.png"


def test_a_503_is_service_unavailable(tmp_path: Path, ocr_service: OcrService) -> None:
    ocr_service.answer(503, {"detail": "model is loading"})
    with pytest.raises(ServiceUnavailable, match=r"OCR_SERVICE_URL\) answered 503 for acme\.png: model is loading"):
        extract_document(render_png(THREE_LINES, tmp_path / "acme.png"), service_url=ocr_service.url)


def test_a_closed_port_is_service_unavailable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ServiceUnavailable, match=rf"cannot reach the OCR service at {url}/api/invoice "
                                                 r"\(OCR_SERVICE_URL\).*unset it to extract locally"):
        extract_document(render_png(THREE_LINES, tmp_path / "acme.png"), service_url=url)


def test_a_slow_service_is_service_unavailable(tmp_path: Path, ocr_service: OcrService,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "TIMEOUT", service.httpx.Timeout(0.5))  # the real one is 120 s
    ocr_service.answer(200, SERVICE_ANSWER, delay=2.0)
    with pytest.raises(ServiceUnavailable, match=r"did not answer within 0\.5 s for acme\.png"):
        extract_document(render_png(THREE_LINES, tmp_path / "acme.png"), service_url=ocr_service.url)


def test_a_422_is_an_unreadable_document(tmp_path: Path, ocr_service: OcrService) -> None:
    ocr_service.answer(422, {"detail": "no text found on the page"})
    with pytest.raises(UnreadableDocument, match=r"acme\.png: the OCR service rejected it \(422\): no text found"):
        extract_document(render_png(THREE_LINES, tmp_path / "acme.png"), service_url=ocr_service.url)


def test_an_answer_that_is_not_json_is_service_unavailable(tmp_path: Path, ocr_service: OcrService) -> None:
    ocr_service.answer(200, "<html>proxy login</html>")
    with pytest.raises(ServiceUnavailable, match=r"without a JSON object \(<html>proxy login</html>\)"):
        extract_document(render_png(THREE_LINES, tmp_path / "acme.png"), service_url=ocr_service.url)


def test_an_empty_file_is_not_sent_to_the_service(tmp_path: Path, ocr_service: OcrService) -> None:
    empty = tmp_path / "empty.png"
    empty.touch()
    with pytest.raises(UnreadableDocument, match="empty"):
        extract_document(empty, service_url=ocr_service.url)
    assert ocr_service.requests == []
