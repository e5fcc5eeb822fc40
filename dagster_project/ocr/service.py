"""The OCR service (PaddleOCR in production): `POST {OCR_SERVICE_URL}/api/invoice` with the document as the
multipart field `file`, answered with the OCR JSON. Unreachable, slow, 5xx, 408 and 429 mean "try again
later" (ServiceUnavailable); any other 4xx is the service's verdict on this document (UnreadableDocument)."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Any

import httpx

from dagster_project.ocr.documents import Document
from dagster_project.ocr.errors import ServiceUnavailable, UnreadableDocument
from dagster_project.ocr.ocr_json import stamped

SERVICE_VARIABLE = "OCR_SERVICE_URL"
ENDPOINT = "/api/invoice"
TIMEOUT = httpx.Timeout(120.0, connect=5.0)  # a multi-page scan takes the service a while
RETRYABLE_CLIENT_ERRORS = (408, 429)
FIX = f"start the service or correct {SERVICE_VARIABLE}, or unset it to extract locally with Tesseract"


def endpoint(service_url: str) -> str:
    return service_url.rstrip("/") + ENDPOINT


def extract_with_service(document: Document, service_url: str) -> dict[str, Any]:
    """The service's OCR JSON for the document, numbers as Decimal, marked `"engine": "service"`."""
    url = endpoint(service_url)
    upload_name = os.fsencode(document.path.name).decode("utf-8", "replace")  # multipart needs text
    try:
        response = httpx.post(url, files={"file": (upload_name, document.data, document.media_type)},
                              timeout=TIMEOUT)
    except httpx.TimeoutException as exc:
        raise ServiceUnavailable(f"the OCR service at {url} ({SERVICE_VARIABLE}) did not answer within "
                                 f"{TIMEOUT.read:g} s for {document.name}; {FIX}") from exc
    except (httpx.TransportError, httpx.InvalidURL) as exc:
        raise ServiceUnavailable(f"cannot reach the OCR service at {url} ({SERVICE_VARIABLE}): {exc}; {FIX}") \
            from exc
    status = response.status_code
    if 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS:
        raise UnreadableDocument(f"{document.name}: the OCR service rejected it ({status}): {message(response)}")
    if not 200 <= status < 300:
        raise ServiceUnavailable(f"the OCR service at {url} ({SERVICE_VARIABLE}) answered {status} for "
                                 f"{document.name}: {message(response)}; the document stays in the inbox; {FIX}")
    try:
        result = json.loads(response.content.decode("utf-8-sig"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        result = exc
    if not isinstance(result, dict):
        raise ServiceUnavailable(f"the OCR service at {url} ({SERVICE_VARIABLE}) answered {status} for "
                                 f"{document.name} without a JSON object ({message(response)}); check the service")
    return stamped(result, "service")


def message(response: httpx.Response) -> str:
    """The service's own explanation: `detail`, `error` or `message` of a JSON answer, else the body's start."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        for key in ("detail", "error", "message"):
            if isinstance(body.get(key), str) and body[key].strip():
                return body[key].strip()
    text = response.text.strip()
    return text[:300] if text else f"empty {response.reason_phrase or 'answer'}"
