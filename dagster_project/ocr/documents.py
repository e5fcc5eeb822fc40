"""A document as delivered: its bytes and its type, recognised from the content (a scan saved as `.pdf` that is
really a PNG still reads), with the checks that make an empty or unknown file an UnreadableDocument."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dagster_project.ocr.errors import UnreadableDocument

# Ordered: the inbox looks for a JSON's document partner in this order.
DOCUMENT_SUFFIXES: tuple[str, ...] = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(DOCUMENT_SUFFIXES)

# (media type, the bytes a file of that type starts with)
SIGNATURES: tuple[tuple[str, tuple[bytes, ...]], ...] = (
    ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ("image/jpeg", (b"\xff\xd8\xff",)),
    ("image/tiff", (b"II*\x00", b"MM\x00*")),
)
PDF_MARKER = b"%PDF-"
PDF_HEADER_WINDOW = 1024  # readers accept the header anywhere in the first KiB


@dataclass(frozen=True)
class Document:
    path: Path
    media_type: str
    data: bytes

    @property
    def name(self) -> str:
        return display_name(self.path)


def display_name(path: Path) -> str:
    """The file name, printable even when it is not UTF-8 (undecodable bytes shown as \\xNN)."""
    return os.fsencode(path.name).decode("utf-8", "backslashreplace")


def media_type(data: bytes) -> str | None:
    if PDF_MARKER in data[:PDF_HEADER_WINDOW]:
        return "application/pdf"
    return next((kind for kind, magics in SIGNATURES if data.startswith(magics)), None)


def read_document(path: Path) -> Document:
    """The document's bytes and type; UnreadableDocument when it is empty or not a PDF/PNG/JPEG/TIFF."""
    name = display_name(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(f"{name}: cannot be read ({exc.strerror or exc})") from exc
    if not data:
        raise UnreadableDocument(f"{name} is empty (0 bytes); deliver it again once it is completely written")
    kind = media_type(data)
    if kind is None:
        raise UnreadableDocument(
            f"{name} is not a PDF, PNG, JPEG or TIFF document (it starts with {data[:8]!r}); "
            "export the scan in one of those formats"
        )
    return Document(path, kind, data)
