"""One batch of arrivals through the pipeline: hash, extract (when there is no OCR JSON), validate, load, file.

Crash safety comes from the order: the content hash first, then the database commit (which records where
the file will go), then the move. A crash after a commit leaves files whose hash is already loaded; the next
pass moves them to the recorded archive path ("recovered"). Nothing is moved before its commit, nothing
is deleted, and a re-delivered file (same bytes) is archived as a "duplicate delivery".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from dagster_project.config import database
from dagster_project.ocr import filing, load
from dagster_project.ocr.documents import PDF_HEADER_WINDOW, media_type
from dagster_project.ocr.inbox import DOCUMENT_SUFFIXES, JSON_SUFFIX, Arrival, display_name, safe_name
from dagster_project.ocr.settings import OcrSettings
from dagster_project.ocr.validate import EMPTY_FILE, Invoice, Problem, Rejected, parse_json, validate

STATUSES = ("loaded", "recovered", "duplicate", "quarantined", "deferred", "skipped")
STATUS_TEXT = {"loaded": "loaded", "recovered": "loaded before a crash, now archived",
               "duplicate": "duplicate delivery", "quarantined": "quarantined",
               "deferred": "left in the inbox", "skipped": "gone before it was read"}


@dataclass
class Outcome:
    """What happened to one arrival (`name` is the document's, or the JSON's when it came alone)."""

    name: str
    status: str
    sha256: str | None = None
    engine: str | None = None
    destination: str | None = None
    problems: tuple[Problem, ...] = ()
    invoice: Invoice | None = None
    error: str | None = None

    @property
    def problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def as_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"file": self.name, "status": self.status, "sha256": self.sha256,
                                    "engine": self.engine, "destination": self.destination}
        if self.problem:
            document.update(reason=self.problem.reason, field=self.problem.field, message=self.problem.message,
                            fix=self.problem.fix)
        if self.error:
            document["error"] = self.error
        if self.invoice:
            document.update(vendor=self.invoice.vendor_name, invoice_number=self.invoice.invoice_number,
                            total=str(self.invoice.amount_total), currency=self.invoice.currency_code)
        return document


@dataclass
class BatchReport:
    outcomes: list[Outcome] = field(default_factory=list)
    run_id: str | None = None

    def of(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    def counts(self) -> dict[str, int]:
        return {status: len(self.of(status)) for status in STATUSES}

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "counts": self.counts(), "files": [o.as_dict() for o in self.outcomes]}


@dataclass
class _Work:
    """An arrival on its way: what the database will record and where its files will go."""

    arrival: Arrival
    sha256: str
    size: int
    received_at: dt.datetime
    media_type: str  # from the content: a PNG named .pdf is recorded as the PNG it is
    status: str = "loaded"
    engine: str = "json"
    invoice: Invoice | None = None
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    targets: dict[str, Path] = field(default_factory=dict)  # file name -> destination
    existing: Path | None = None  # a duplicate's archived original


def process(arrivals: Iterable[Arrival], settings: OcrSettings, dsn: str, *, run_id: str | None = None,
            keep_originals: bool = False, on_outcome: Callable[[Outcome], None] | None = None,
            today: dt.date | None = None) -> BatchReport:
    """Process `arrivals` (one batch). `keep_originals` copies instead of moving (for `hybrid ocr ingest` of
    files outside the inbox)."""
    emit = on_outcome or (lambda _: None)
    report = BatchReport(run_id=run_id)
    pending = []
    for arrival in arrivals:
        work = _hash(arrival)
        if work is None:
            report.outcomes.append(Outcome(arrival.display, "skipped"))
            emit(report.outcomes[-1])
        else:
            pending.append(work)
    batch = _Batch(settings, run_id, keep_originals, today or dt.datetime.now(dt.UTC).date())
    with database.connect(dsn, source="the OCR role's connection string", autocommit=True) as conn:
        load.prepare(conn)
        for round_ in _rounds(pending):
            for start in range(0, len(round_), settings.load_chunk):
                chunk = round_[start:start + settings.load_chunk]
                batch.decide(conn, chunk)
                batch.commit(conn, [w for w in chunk if w.status in ("loaded", "quarantined")])
                for work in chunk:
                    emit(_outcome(work))
    for work in pending:
        batch.file(work)
        report.outcomes.append(_outcome(work))
    return report


def _hash(arrival: Arrival) -> _Work | None:
    try:
        with arrival.path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            head = handle.read(PDF_HEADER_WINDOW)
            handle.seek(0)
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except FileNotFoundError:
        return None
    kind = media_type(head) or ("application/json" if arrival.suffix == JSON_SUFFIX else "application/octet-stream")
    return _Work(arrival, digest, stat.st_size, dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC), kind)


def _rounds(pending: list[_Work]) -> list[list[_Work]]:
    """The same bytes twice in one batch: the second copy waits for a later round, when the database knows
    what became of the first."""
    rounds: list[list[_Work]] = []
    occurrences: dict[str, int] = {}
    for work in pending:
        index = occurrences.get(work.sha256, 0)
        occurrences[work.sha256] = index + 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(work)
    return rounds


class _Batch:
    """The decisions of one batch: statuses, destinations (never two files on one path), commits, moves."""

    def __init__(self, settings: OcrSettings, run_id: str | None, keep_originals: bool, day: dt.date):
        self.settings, self.run_id, self.keep_originals, self.day = settings, run_id, keep_originals, day
        self.taken: set[Path] = set()

    def free(self, path: Path) -> Path:
        candidate, n = path, 2
        while candidate in self.taken or os.path.lexists(candidate):
            stem, ext = os.path.splitext(path.name)
            candidate, n = path.with_name(f"{stem}.{n}{ext}"), n + 1
        self.taken.add(candidate)
        return candidate

    def decide(self, conn: psycopg.Connection, chunk: list[_Work]) -> None:
        """Set each arrival's status and destinations (nothing is written yet)."""
        seen = load.known(conn, [w.sha256 for w in chunk])
        for work in chunk:
            previous = seen.get(work.sha256)
            if previous and previous.status == "loaded":
                self.plan_known(work, Path(previous.archive_path))
                continue
            _extract_and_validate(work, self.settings)
            recorded = Path(previous.archive_path) if previous else None
            if self.keep_originals and work.status == "quarantined" and recorded and recorded.exists():
                work.existing = recorded  # quarantined before from this same original: no second copy
            else:
                self.target(work)
        recovered = [w for w in chunk if w.status == "recovered"]
        if recovered:  # committed by a run that crashed before reporting: report them now (alerts included)
            stored = load.stored_invoices(conn, [w.sha256 for w in recovered])
            for work in recovered:
                work.invoice = stored.get(work.sha256)

    def target(self, work: _Work) -> None:
        work.targets.clear()
        for name in work.arrival.files:
            if work.status == "quarantined":
                work.targets[name] = self.free(filing.quarantine_path(self.settings.quarantine, name, work.sha256))
            elif work.status in ("loaded", "duplicate"):
                work.targets[name] = self.free(filing.archive_path(self.settings.archive, work.sha256, name, self.day))

    def plan_known(self, work: _Work, recorded: Path) -> None:
        """Already loaded: archived at the recorded path if that file is missing (a crash after the commit),
        else a duplicate delivery archived next to it (not copied again when the original stays put)."""
        if recorded in self.taken or os.path.lexists(recorded):
            work.status, work.existing = "duplicate", recorded
            if not self.keep_originals:
                self.target(work)
            return
        work.status = "recovered"
        self.taken.add(recorded)
        work.targets[work.arrival.name] = recorded
        for name in work.arrival.files[1:]:
            work.targets[name] = self.free(recorded.with_name(f"{work.sha256}-{safe_name(name)}"))

    def commit(self, conn: psycopg.Connection, chunk: list[_Work]) -> None:
        """One transaction for the chunk; if the database refuses it, each document alone (a refused one is
        quarantined with the database's message)."""
        if not chunk:
            return
        try:
            self.apply(conn, chunk)
        except (psycopg.DataError, psycopg.IntegrityError):
            for work in chunk:
                try:
                    self.apply(conn, [work])
                except (psycopg.DataError, psycopg.IntegrityError) as exc:
                    work.status, work.invoice = "quarantined", None
                    work.problems = [Problem(None, "database rejected", str(exc).strip().splitlines()[0],
                                             "correct the value the message names and deliver the file again")]
                    self.target(work)
                    self.apply(conn, [work])

    def apply(self, conn: psycopg.Connection, chunk: list[_Work]) -> None:
        written, _ = load.load(conn, [_row(work, self.run_id) for work in chunk])
        for work in chunk:
            if work.sha256 not in written:
                # Loaded by another run between our lookup and our insert: the same bytes delivered twice.
                work.status, work.problems = "duplicate", []
                self.target(work)

    def file(self, work: _Work) -> None:
        """Move (or copy) the files to their destinations; a quarantined arrival gets its reason file."""
        for name, target in list(work.targets.items()):
            try:
                work.targets[name] = filing.transfer(work.arrival.folder / name, target,
                                                     keep_original=self.keep_originals)
            except FileNotFoundError:
                # Taken by someone else after its commit (the sensor claimed it): whoever has it now finds the
                # hash loaded and files it at the recorded path.
                work.error = f"{display_name(name)} was moved away before it could be filed"
                return
        if work.status != "quarantined" or not work.targets:
            return
        problem = work.problems[0]
        filing.write_reason(filing.reason_path(work.targets[work.arrival.name]), {
            "file": work.arrival.display, "sha256": work.sha256,
            "files": {display_name(name): str(path) for name, path in work.targets.items()},
            **problem.as_dict(), "problems": [p.as_dict() for p in work.problems],
            "engine": work.engine, "run_id": self.run_id,
            "quarantined_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "deliver_again": f"fix the file and move it back into {self.settings.inbox}",
        })


def _extract_and_validate(work: _Work, settings: OcrSettings) -> None:
    arrival = work.arrival
    try:
        if work.size == 0:
            raise Rejected([EMPTY_FILE])
        if arrival.ocr_json:
            payload = parse_json(arrival.json_path.read_bytes())
        elif arrival.suffix in DOCUMENT_SUFFIXES:
            payload = _extract(work, settings)
            if payload is None:
                return
        else:
            kinds = "/".join(s[1:] for s in (JSON_SUFFIX, *DOCUMENT_SUFFIXES))
            raise Rejected([Problem(None, "unsupported file type",
                                    f"{arrival.display} is not a file the OCR reads ({arrival.suffix or 'no suffix'})",
                                    f"deliver a {kinds} file")])
        work.invoice = validate(payload, settings.min_confidence)
    except Rejected as exc:
        work.status, work.problems = "quarantined", exc.problems


def _extract(work: _Work, settings: OcrSettings) -> dict[str, Any] | None:
    """The engine's OCR JSON; None (status deferred) when the OCR service cannot be reached now."""
    from dagster_project.ocr import extraction

    try:
        payload = extraction.extract_document(work.arrival.path, service_url=settings.service_url)
    except extraction.ServiceUnavailable as exc:
        work.status, work.error = "deferred", f"OCR service unavailable: {exc}"
        return None
    except extraction.UnreadableDocument as exc:
        raise Rejected([Problem(None, "unreadable document", str(exc),
                                "deliver a clearer scan, or the OCR JSON as <name>.json next to it")]) from exc
    engine = payload.get("engine") if isinstance(payload, dict) else None
    work.engine = engine if engine in ("service", "tesseract") else \
        ("service" if settings.service_url else "tesseract")
    return payload


def _row(work: _Work, run_id: str | None) -> load.DocumentRow:
    problem = work.problems[0] if work.problems else None
    return load.DocumentRow(
        content_sha256=work.sha256, source_name=work.arrival.display, media_type=work.media_type,
        size_bytes=work.size, engine=work.engine, status=work.status,
        reason=f"{problem.reason}: {problem.message}" if problem else None,
        archive_path=str(work.targets.get(work.arrival.name) or work.existing), run_id=run_id,
        received_at=work.received_at, invoice=work.invoice if work.status == "loaded" else None)


def _outcome(work: _Work) -> Outcome:
    target = work.targets.get(work.arrival.name) or work.existing
    return Outcome(work.arrival.display, work.status, work.sha256, work.engine,
                   str(target) if target else None, tuple(work.problems),
                   work.invoice if work.status in ("loaded", "recovered") else None, work.error)
