"""Why a document could not be extracted, split by what the caller should do with it."""

from __future__ import annotations


class ServiceUnavailable(Exception):
    """The extraction engine cannot run right now (OCR service unreachable, answering 5xx or too slow).

    The document itself is fine: leave it in the inbox and retry on the next tick.
    """


class TesseractUnavailable(ServiceUnavailable):
    """The local engine is not installed or cannot start; also retryable once the machine is fixed."""


class UnreadableDocument(Exception):
    """The file is not a readable PDF or image (empty, corrupt, unknown type, rejected by the service).

    Retrying will not help: quarantine it with this message as the reason.
    """
