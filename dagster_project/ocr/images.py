"""Scanned pages as Tesseract reads them best: upright, grayscale on white, at least a scanner's resolution."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps, ImageSequence

from dagster_project.ocr.documents import Document
from dagster_project.ocr.errors import UnreadableDocument

MAX_SCANNED_PAGES = 10  # at a few seconds a page, more is a batch to split, not an invoice
MIN_WIDTH = 1600  # px; a letter page scanned at 200 dpi is 1700 px wide
MAX_UPSCALE = 3.0
MAX_SIDE = 7000  # px; larger scans are shrunk, which keeps Tesseract's time and memory bounded
# Pillow's own bound (about 89 megapixels; a letter page at 600 dpi is 34): a file declaring more is refused before
# it is decoded, since a few kilobytes can declare gigabytes of pixels (a decompression bomb).
MAX_PIXELS = Image.MAX_IMAGE_PIXELS
# What Pillow raises on a corrupt or truncated file (TypeError: a TIFF whose dimensions were cut off).
UNREADABLE_IMAGE = (OSError, SyntaxError, ValueError, EOFError, TypeError)
BOMB = (Image.DecompressionBombError, Image.DecompressionBombWarning)


@dataclass(frozen=True)
class Scan:
    """A page image ready for OCR and its resolution when known (Tesseract guesses it otherwise)."""

    image: Image.Image
    dpi: int | None


def too_many_pages(document: Document) -> UnreadableDocument:
    return UnreadableDocument(
        f"{document.name} has more than {MAX_SCANNED_PAGES} scanned pages; the local engine reads at most "
        f"{MAX_SCANNED_PAGES}: split the file, or set OCR_SERVICE_URL to use the OCR service"
    )


def image_scans(document: Document) -> list[Scan]:
    """Every frame of a PNG, JPEG or (multi-page) TIFF; UnreadableDocument when the image does not decode."""
    frames: list[Image.Image] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # refused, never decoded
            warnings.simplefilter("ignore", UserWarning)  # "Corrupt EXIF data": the decode result is what counts
            with Image.open(BytesIO(document.data)) as image:
                for index, frame in enumerate(ImageSequence.Iterator(image)):
                    if index == MAX_SCANNED_PAGES:
                        raise too_many_pages(document)
                    if frame.width * frame.height > MAX_PIXELS:
                        raise Image.DecompressionBombError(f"page {index + 1} is {frame.width}x{frame.height}")
                    frames.append(frame.copy())  # decodes the frame: corrupt data fails here
    except BOMB as exc:
        raise UnreadableDocument(
            f"{document.name} declares more pixels than a scan may have ({exc}; at most {MAX_PIXELS:,} pixels, "
            "about a letter page at 900 dpi): scan it again at 300 dpi") from exc
    except UNREADABLE_IMAGE as exc:
        kind = document.media_type.removeprefix("image/").upper()
        raise UnreadableDocument(f"{document.name} is not a readable {kind} image ({exc})") from exc
    return [prepared(frame, resolution(frame)) for frame in frames]


def resolution(image: Image.Image) -> int | None:
    dpi = image.info.get("dpi")
    value = round(float(dpi[0])) if isinstance(dpi, tuple) and dpi else 0
    return value if 70 <= value <= 1200 else None  # 1 or 72 dpi are placeholders, not scan resolutions


def eight_bit(image: Image.Image) -> Image.Image:
    """A 16-bit or float scan stretched to 8 bits (Pillow's own conversion clips everything above 255)."""
    image = image.convert("I") if image.mode != "F" else image
    low, high = image.getextrema()
    scale = 255 / (high - low) if high > low else 1
    return image.point(lambda value: (value - low) * scale).convert("L")


def prepared(image: Image.Image, dpi: int | None) -> Scan:
    """Upright (EXIF orientation), alpha flattened onto white, grayscale, then scaled into Tesseract's range."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        image = eight_bit(image)
    image = ImageOps.autocontrast(image.convert("L"))
    width, height = image.size
    scale = min(MAX_UPSCALE, MIN_WIDTH / width) if width < MIN_WIDTH else min(1.0, MAX_SIDE / max(width, height))
    if scale != 1.0:
        image = image.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.LANCZOS)
        dpi = round(dpi * scale) if dpi else None
    return Scan(image, dpi)
