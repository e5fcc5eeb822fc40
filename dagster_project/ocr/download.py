"""A document fetched by URL, only from a host on the allow-list (OCR_URL_ALLOWED_HOSTS): the URL is data from
outside, so it is never followed elsewhere (no redirects), never read past the document size limit, and never
turned into a path."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import httpx

from dagster_project.ocr.documents import MAX_DOCUMENT_BYTES, Document, document
from dagster_project.ocr.errors import UnreadableDocument

VARIABLE = "OCR_URL_ALLOWED_HOSTS"
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class HostRefused(ValueError):
    """The URL is not http(s) or its host is not allow-listed; the message names the variable to change."""


def check_url(url: str, allowed: frozenset[str]) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise HostRefused(f"{url!r} is not a URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise HostRefused(f"{url!r}: only http and https URLs with a host are fetched")
    if parsed.host.lower() not in allowed:
        listed = ", ".join(sorted(allowed)) or "none"
        raise HostRefused(f"{parsed.host!r} is not an allowed host for documents (allowed: {listed}); fix: add it "
                          f"to {VARIABLE} (comma-separated) where the server runs, or put the file in the OCR inbox")
    return parsed


def download(url: str, allowed: frozenset[str]) -> Document:
    """The document at `url`, named after the URL's last path segment."""
    parsed = check_url(url, allowed)
    name = PurePosixPath(parsed.path).name or "document"
    chunks, size = [], 0
    try:
        with httpx.stream("GET", parsed, timeout=TIMEOUT, follow_redirects=False) as response:
            if response.status_code != 200:
                raise UnreadableDocument(f"{url}: answered {response.status_code} {response.reason_phrase} "
                                         "(redirects are not followed); give the document's own URL")
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_DOCUMENT_BYTES:
                    raise UnreadableDocument(f"{url}: larger than the {MAX_DOCUMENT_BYTES // 2**20} MB a document "
                                             "may have")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise UnreadableDocument(f"{url}: cannot be fetched ({type(exc).__name__}: {exc})") from exc
    return document(Path(name), b"".join(chunks))  # a name to show, never opened
