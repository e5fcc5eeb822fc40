"""PDF pages for the local engine: a page with a text layer is read as text (exact, no OCR); a page without one
is a scan, rendered at 300 dpi for Tesseract."""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from dagster_project.ocr.documents import Document
from dagster_project.ocr.errors import UnreadableDocument
from dagster_project.ocr.images import MAX_SCANNED_PAGES, MAX_SIDE, Scan, prepared, too_many_pages
from dagster_project.ocr.textlines import PageText, Word, rows, text_line

RENDER_DPI = 300
MIN_TEXT_CHARACTERS = 20  # fewer means a scan (perhaps with a stamped page number), not a text layer


def pdf_pages(document: Document) -> list[PageText | Scan]:
    """Each page as text (from its text layer) or as a scan to OCR; UnreadableDocument for a broken PDF."""
    try:
        pdf = pdfium.PdfDocument(document.data)
    except pdfium.PdfiumError as exc:
        raise UnreadableDocument(
            f"{document.name} is not a readable PDF ({exc}); export it again (without a password)"
        ) from exc
    try:
        if len(pdf) == 0:
            raise UnreadableDocument(f"{document.name} is a PDF without pages")
        pages: list[PageText | Scan] = []
        for index in range(len(pdf)):
            page = pdf[index]
            text = text_layer(page, index + 1)
            if sum(len(line.text) for line in text.lines) >= MIN_TEXT_CHARACTERS:
                pages.append(text)
            elif sum(isinstance(done, Scan) for done in pages) == MAX_SCANNED_PAGES:
                raise too_many_pages(document)
            else:
                scale = min(RENDER_DPI / 72, MAX_SIDE / max(page.get_size()))  # a poster-sized page is shrunk
                bitmap = page.render(scale=scale, grayscale=True)
                pages.append(prepared(bitmap.to_pil(), RENDER_DPI if scale == RENDER_DPI / 72 else None))
        return pages
    except pdfium.PdfiumError as exc:
        raise UnreadableDocument(f"{document.name}: a page of the PDF cannot be read ({exc})") from exc
    finally:
        pdf.close()


def text_layer(page: pdfium.PdfPage, number: int) -> PageText:
    """The page's text as lines of words (text-layer words count as fully confident)."""
    words = text_layer_words(page.get_textpage(), page.get_height())
    return PageText(number, [text_line(row, number) for row in rows(words)], [1.0] * len(words))


def text_layer_words(textpage: pdfium.PdfTextPage, page_height: float) -> list[Word]:
    """Words from the characters of the text layer: spaces and line breaks (pdfium generates them) end a word."""
    words: list[Word] = []
    chars: list[tuple[str, float, float, float, float]] = []

    def flush() -> None:
        if chars:
            words.append(Word("".join(c[0] for c in chars), chars[0][1], min(c[2] for c in chars),
                              chars[-1][3], max(c[4] for c in chars), 1.0))
            chars.clear()

    for index in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, index)
        char = chr(code) if 0 < code < 0x110000 else " "
        if char.isspace() or not char.isprintable():
            flush()
            continue
        left, bottom, right, top = textpage.get_charbox(index, loose=True)
        box = (char, left, page_height - top, right, page_height - bottom)
        if chars and not chars[-1][2] <= (box[2] + box[4]) / 2 <= chars[-1][4]:
            flush()  # the text moved to another line without a generated line break
        chars.append(box)
    flush()
    return words
