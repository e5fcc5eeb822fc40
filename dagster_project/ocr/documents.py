"""A document as delivered: its bytes and its type, recognised from the content (a scan saved as `.pdf` that is
really a PNG still reads), with the checks that make an empty or unknown file an UnreadableDocument."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

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
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # a scanned invoice is a few MB; more is a batch, or an attack


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
        # O_NOFOLLOW: a path named in run config or dropped in the inbox is read only as the file it names,
        # never through a symlink to somewhere else on the host.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        reason = "it is a symbolic link" if path.is_symlink() else exc.strerror or str(exc)
        raise UnreadableDocument(f"{name}: cannot be read ({reason}); deliver the file itself") from exc
    with os.fdopen(fd, "rb") as handle:
        stat = os.fstat(handle.fileno())
        if not S_ISREG(stat.st_mode):
            raise UnreadableDocument(f"{name} is not a regular file; deliver the document itself")
        if stat.st_size > MAX_DOCUMENT_BYTES:
            raise UnreadableDocument(f"{name} is {stat.st_size / 2**20:.0f} MB, above the "
                                     f"{MAX_DOCUMENT_BYTES // 2**20} MB a document may have; split it or "
                                     "scan at a lower resolution")
        data = handle.read(MAX_DOCUMENT_BYTES + 1)
    return document(path, data)


def document(path: Path, data: bytes) -> Document:
    """Bytes as a document named `path` (a file read, or a download); UnreadableDocument when they are empty or
    not a PDF/PNG/JPEG/TIFF."""
    name = display_name(path)
    if not data:
        raise UnreadableDocument(f"{name} is empty (0 bytes); deliver it again once it is completely written")
    kind = media_type(data)
    if kind is None:
        raise UnreadableDocument(
            f"{name} is not a PDF, PNG, JPEG or TIFF document (it starts with {data[:8]!r}); "
            "export the scan in one of those formats"
        )
    return Document(path, kind, data)
