"""Render a vendor invoice the way a scanner or an accounting package would deliver it: PNG, image-only PDF
(a scan) or PDF with a text layer (born digital). One layout in PDF points feeds all three, so the values a
test asserts are the values on the page."""

from __future__ import annotations

import ctypes
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageDraw, ImageFont

PAGE_WIDTH, PAGE_HEIGHT = 612, 792  # US Letter in points
MARGIN = 50
RIGHT = PAGE_WIDTH - MARGIN
CENT = Decimal("0.01")

LABELS = {
    "vat": "VAT Reg TIN:",
    "number": "Invoice No:",
    "date": "Invoice Date:",
    "due": "Due Date:",
    "bill_to": "Bill To:",
    "description": "Description",
    "quantity": "Qty",
    "unit_price": "Unit Price",
    "amount": "Amount",
    "subtotal": "Subtotal",
    "tax": "VAT 12%",
    "total": "Total",
}


@dataclass(frozen=True)
class Item:
    description: str
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT)


@dataclass(frozen=True)
class InvoiceSpec:
    vendor_name: str = "Acme Supplies Inc."
    vendor_address: str = "123 Rizal Avenue, Makati City"
    vendor_vat: str | None = "123-456-789-000"
    bill_to_name: str = "Northwind Trading Corp."
    bill_to_address: str = "45 Ayala Avenue, Pasig"
    bill_to_vat: str | None = "987-654-321-000"
    invoice_number: str = "INV-2026-0042"
    invoice_date: dt.date = dt.date(2026, 10, 31)
    due_date: dt.date | None = dt.date(2026, 11, 30)
    currency: str = "PHP"
    items: tuple[Item, ...] = (Item("Office chairs", 2, Decimal("5000.00")),)
    tax_rate: Decimal = Decimal("0.12")
    date_format: str = "%d %b %Y"
    labels: dict[str, str] = field(default_factory=dict)
    rows_per_page: int = 14  # rows beyond this continue on a second page

    @property
    def subtotal(self) -> Decimal:
        return sum((item.amount for item in self.items), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        return (self.subtotal * self.tax_rate).quantize(CENT)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax

    def label(self, key: str) -> str:
        return self.labels.get(key, LABELS[key])


@dataclass(frozen=True)
class Text:
    """One run of text; `y` is the top of the text in points from the top of the page."""

    x: float
    y: float
    text: str
    size: float = 10
    align: Literal["left", "right"] = "left"


Page = list[Text]


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def layout(spec: InvoiceSpec) -> list[Page]:
    """The invoice as pages of text runs: letterhead, details, bill-to, the item table, totals."""
    chunks = [spec.items[i : i + spec.rows_per_page] for i in range(0, len(spec.items), spec.rows_per_page)] or [()]
    pages: list[Page] = []
    for number, items in enumerate(chunks, start=1):
        last = number == len(chunks)
        page: Page = [Text(MARGIN, 50, spec.vendor_name.upper(), 20), Text(RIGHT, 48, "INVOICE", 24, "right")]
        y = 80.0
        if number == 1:
            y = letterhead(spec, page, y)
        else:
            page.append(Text(MARGIN, y, f"{spec.label('number')} {spec.invoice_number} (continued)"))
            y += 30
        y = item_table(spec, page, items, y)
        if last:
            totals(spec, page, y + 10)
        else:
            page.append(Text(MARGIN, y + 10, "Continued on next page"))
        page.append(Text(MARGIN, PAGE_HEIGHT - 60, "Thank you for your business."))
        page.append(Text(RIGHT, PAGE_HEIGHT - 60, f"Page {number} of {len(chunks)}", 9, "right"))
        pages.append(page)
    return pages


def letterhead(spec: InvoiceSpec, page: Page, y: float) -> float:
    page.append(Text(MARGIN, y, spec.vendor_address))
    if spec.vendor_vat:
        page.append(Text(MARGIN, y + 15, f"{spec.label('vat')} {spec.vendor_vat}"))
    y += 50
    details = [("number", spec.invoice_number), ("date", spec.invoice_date.strftime(spec.date_format))]
    if spec.due_date:
        details.append(("due", spec.due_date.strftime(spec.date_format)))
    for key, value in details:
        page.append(Text(MARGIN, y, f"{spec.label(key)} {value}"))
        y += 16
    y += 16
    page.append(Text(MARGIN, y, spec.label("bill_to"), 11))
    block = [spec.bill_to_name, spec.bill_to_address]
    if spec.bill_to_vat:
        block.append(f"TIN: {spec.bill_to_vat}")
    for line in block:
        y += 15
        page.append(Text(MARGIN, y, line))
    return y + 40


def item_table(spec: InvoiceSpec, page: Page, items: tuple[Item, ...], y: float) -> float:
    columns = (("description", MARGIN, "left"), ("quantity", 330, "right"), ("unit_price", 450, "right"),
               ("amount", RIGHT, "right"))
    for key, x, align in columns:
        page.append(Text(x, y, spec.label(key), 10, align))
    y += 24
    for item in items:
        values = (item.description, str(item.quantity), money(item.unit_price), money(item.amount))
        for (_, x, align), value in zip(columns, values, strict=True):
            page.append(Text(x, y, value, 10, align))
        y += 18
    return y


def totals(spec: InvoiceSpec, page: Page, y: float) -> None:
    rows = (
        (spec.label("subtotal"), money(spec.subtotal)),
        (spec.label("tax"), money(spec.tax)),
        (f"{spec.label('total')} ({spec.currency})", money(spec.total)),
    )
    for label, value in rows:
        page.append(Text(360, y, label, 11))
        page.append(Text(RIGHT, y, value, 11, "right"))
        y += 18


def font(size_px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size_px)  # Pillow's bundled scalable font (Aileron)


def page_image(page: Page, dpi: int = 200) -> Image.Image:
    """The page drawn in black on white, as a scanner would deliver it (grayscale)."""
    scale = dpi / 72
    image = Image.new("L", (round(PAGE_WIDTH * scale), round(PAGE_HEIGHT * scale)), 255)
    draw = ImageDraw.Draw(image)
    for run in page:
        face = font(run.size * scale)
        x = run.x * scale - (face.getlength(run.text) if run.align == "right" else 0)
        draw.text((x, run.y * scale), run.text, fill=0, font=face)
    return image


def render_png(spec: InvoiceSpec, path: Path, dpi: int = 200) -> Path:
    """The first page as a PNG scan."""
    page_image(layout(spec)[0], dpi).save(path, "PNG")
    return path


def render_image_pdf(spec: InvoiceSpec, path: Path, dpi: int = 200) -> Path:
    """Every page as a scanned image in a PDF without a text layer."""
    first, *rest = (page_image(page, dpi) for page in layout(spec))
    first.save(path, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return path


def render_text_pdf(spec: InvoiceSpec, path: Path) -> Path:
    """A born-digital PDF: the same layout as text objects in Helvetica, so the PDF has a text layer."""
    pdf = pdfium.PdfDocument.new()
    for runs in layout(spec):
        page = pdf.new_page(PAGE_WIDTH, PAGE_HEIGHT)
        for run in runs:
            width = font(run.size).getlength(run.text) if run.align == "right" else 0  # close to Helvetica's
            text_object(pdf, page, run, run.x - width)
        page.gen_content()
    pdf.save(str(path))
    pdf.close()
    return path


def text_object(pdf: pdfium.PdfDocument, page: pdfium.PdfPage, run: Text, x: float) -> None:
    obj = pdfium_c.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(run.size))
    text = ctypes.create_string_buffer((run.text + "\0").encode("utf-16-le"))
    pdfium_c.FPDFText_SetText(obj, ctypes.cast(text, pdfium_c.FPDF_WIDESTRING))
    pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, PAGE_HEIGHT - run.y - run.size)  # baseline, from bottom
    pdfium_c.FPDFPage_InsertObject(page.raw, obj)


def prose_png(path: Path, paragraphs: int = 6) -> Path:
    """A page of prose in the same font: text, but not an invoice."""
    sentences = (
        "The committee met on a bright morning to discuss the garden.",
        "Several members brought seedlings and a few brought questions about the soil.",
        "After some debate they agreed to plant tomatoes along the southern fence.",
        "Everyone was asked to bring water on the weekends during the summer.",
    )
    image = Image.new("L", (1700, 2200), 255)
    draw, face = ImageDraw.Draw(image), font(30)
    y = 140
    for n in range(paragraphs):
        for sentence in sentences[n % 2 :] + sentences[: n % 2]:
            draw.text((140, y), sentence, fill=0, font=face)
            y += 44
        y += 40
    image.save(path, "PNG")
    return path


def gradient_png(path: Path) -> Path:
    """A photo-like image without any text: a colour gradient with soft shapes."""
    width, height = 1200, 900
    image = Image.new("RGB", (width, height))
    image.putdata([(x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height))
                   for y in range(height) for x in range(width)])
    draw = ImageDraw.Draw(image)
    draw.ellipse((300, 200, 700, 600), fill=(200, 180, 90))
    draw.ellipse((650, 350, 1000, 700), fill=(60, 120, 160))
    image.save(path, "PNG")
    return path
