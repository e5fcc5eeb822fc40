"""The inbox: which files are ready, how a document and its OCR JSON pair up, and how the sensor claims batches.

Conventions (docs/ocr.md): write a file under a hidden or `.part`/`.tmp` name and rename it when complete; a
file is also left alone until its mtime is `settle_seconds` old. A document and `<stem>.json` delivered
together are one arrival (the JSON is the document's OCR output; write the JSON first). Subfolders and
symbolic links are not picked up.

File names are `str` as the OS gives them (`os.fsdecode`: bytes that are not UTF-8 become lone surrogates);
run configuration carries them as tokens (`to_token`) that round-trip exactly and read as the name.
"""

from __future__ import annotations

import os
import re
import secrets
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

from dagster_project.ocr.documents import DOCUMENT_SUFFIXES

JSON_SUFFIX = ".json"
IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload", ".download")


@dataclass(frozen=True)
class Arrival:
    """One delivery in `folder`: a document, its OCR JSON, or both. The document is what is hashed and archived
    when there is one; a JSON alone is its own document."""

    folder: Path
    document: str | None = None
    ocr_json: str | None = None

    @property
    def name(self) -> str:
        return self.document or self.ocr_json or ""

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(name for name in (self.document, self.ocr_json) if name)

    @property
    def path(self) -> Path:
        return self.folder / self.name

    @property
    def json_path(self) -> Path | None:
        return self.folder / self.ocr_json if self.ocr_json else None

    @property
    def suffix(self) -> str:
        return suffix(self.name)

    @property
    def display(self) -> str:
        """The name as text: undecodable bytes shown as `\\xNN`."""
        return display_name(self.name)


def suffix(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def display_name(name: str) -> str:
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def safe_name(name: str) -> str:
    """A portable file name for the archive: ASCII letters, digits, `._-`; undecodable names keep only their
    suffix (the archive name starts with the content hash anyway)."""
    if display_name(name) != name:
        return "document" + re.sub(r"[^A-Za-z0-9.]", "", suffix(name))
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "document"
    return cleaned[:120]


def to_token(name: str) -> str:
    """A JSON-safe, reversible form of a file name: `%` becomes `%25`, an undecodable byte `%XX`."""
    out = []
    for char in name:
        if char == "%":
            out.append("%25")
        elif "\udc80" <= char <= "\udcff":
            out.append(f"%{ord(char) - 0xDC00:02X}")
        else:
            out.append(char)
    return "".join(out)


def from_token(token: str) -> str:
    name = os.fsdecode(urllib.parse.unquote_to_bytes(token))
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"{token!r} is not a file name (no folders, no '..')")
    return name


def is_candidate(name: str) -> bool:
    """Not hidden and not a partial download."""
    lowered = name.lower()
    return not name.startswith(".") and not lowered.endswith(IN_PROGRESS_SUFFIXES)


def scan(folder: Path, *, settle_seconds: float, limit: int, now: float | None = None) -> tuple[list[Arrival], bool]:
    """Settled arrivals at the top of `folder`, from at most `limit` files (and `2 * limit` directory entries);
    True as second value when the listing stopped early (the rest waits for the next call)."""
    now = time.time() if now is None else now
    names: list[str] = []
    looked = 0
    truncated = False
    with os.scandir(folder) as entries:
        for entry in entries:
            if len(names) >= limit or looked >= 2 * limit:
                truncated = True
                break
            looked += 1
            if not is_candidate(entry.name) or not _settled_file(entry, now, settle_seconds):
                continue
            names.append(entry.name)
    if truncated:
        names += partners(folder, names, now=now, settle_seconds=settle_seconds)
    return group(folder, names), truncated


def group(folder: Path, names: Iterable[str]) -> list[Arrival]:
    """Pair each document with `<stem>.json` when exactly one document has that stem."""
    names = list(dict.fromkeys(names))
    documents: dict[str, list[str]] = defaultdict(list)
    jsons: dict[str, str] = {}
    for name in names:
        stem, ext = os.path.splitext(name)
        if ext.lower() == JSON_SUFFIX:
            jsons[stem] = name
        elif ext.lower() in DOCUMENT_SUFFIXES:
            documents[stem].append(name)
    arrivals = []
    paired: set[str] = set()
    for name in names:
        stem, ext = os.path.splitext(name)
        if ext.lower() == JSON_SUFFIX:
            continue
        partner = jsons.get(stem) if len(documents.get(stem, ())) == 1 else None
        if partner:
            paired.add(partner)
        arrivals.append(Arrival(folder, document=name, ocr_json=partner))
    arrivals += [Arrival(folder, ocr_json=name) for name in names
                 if os.path.splitext(name)[1].lower() == JSON_SUFFIX and name not in paired]
    return arrivals


def _settled_file(entry: os.DirEntry, now: float, settle_seconds: float) -> bool:
    try:
        return entry.is_file(follow_symlinks=False) and now - entry.stat(follow_symlinks=False).st_mtime >= \
            settle_seconds
    except FileNotFoundError:
        return False


def partners(folder: Path, names: list[str], *, now: float | None = None, settle_seconds: float = 0) -> list[str]:
    """The unlisted partners of `names` on disk: a document's JSON, a JSON's document (a cut listing, or a file
    named alone on the command line)."""
    now = time.time() if now is None else now
    listed = set(names)
    found = []
    for name in names:
        stem, ext = os.path.splitext(name)
        wanted = DOCUMENT_SUFFIXES if ext.lower() == JSON_SUFFIX else (JSON_SUFFIX,)
        for candidate in (stem + other for other in wanted):
            if candidate not in listed and _settled_path(folder / candidate, now, settle_seconds):
                found.append(candidate)
                listed.add(candidate)
    return found


def _settled_path(path: Path, now: float, settle_seconds: float) -> bool:
    try:
        stat = path.lstat()
    except FileNotFoundError:
        return False
    return S_ISREG(stat.st_mode) and now - stat.st_mtime >= settle_seconds


def collect(paths: Iterable[Path]) -> list[Arrival]:
    """Arrivals from files and directories (read recursively, hidden folders and files and partial files
    skipped); a file named alone brings its partner along."""
    by_folder: dict[Path, list[str]] = {}
    for path in paths:
        path = path.resolve()
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                folder = Path(root)
                by_folder.setdefault(folder, []).extend(
                    sorted(f for f in files if is_candidate(f) and _settled_path(folder / f, time.time(), 0)))
        else:
            by_folder.setdefault(path.parent, []).append(path.name)
    arrivals = []
    for folder, names in by_folder.items():
        arrivals += group(folder, names + partners(folder, names))
    return arrivals


# -- batches claimed by the sensor -------------------------------------------------------------------------
def new_batch_id(now: float | None = None) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(time.time() if now is None else now))
    return f"{stamp}-{secrets.token_hex(4)}"


def claim(inbox: Path, claimed_root: Path, batch_id: str, arrivals: list[Arrival]) -> list[str]:
    """Move the arrivals' files into `claimed_root/batch_id/` (atomic renames; a file gone meanwhile is
    skipped); returns the file names moved, sorted as `batch_files` lists them."""
    folder = claimed_root / batch_id
    folder.mkdir(parents=True, exist_ok=True)
    moved = []
    for arrival in arrivals:
        for name in arrival.files:
            try:
                os.rename(inbox / name, folder / name)
            except FileNotFoundError:
                continue
            moved.append(name)
    if not moved:
        folder.rmdir()
    return sorted(moved)


def claimed_batches(claimed_root: Path) -> list[str]:
    """Batch folders, oldest first (their names start with the claim time)."""
    try:
        with os.scandir(claimed_root) as entries:
            return sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return []


def batch_files(claimed_root: Path, batch_id: str) -> list[str]:
    try:
        with os.scandir(claimed_root / batch_id) as entries:
            return sorted(e.name for e in entries if e.is_file(follow_symlinks=False))
    except FileNotFoundError:
        return []


def remove_if_empty(folder: Path) -> bool:
    try:
        folder.rmdir()
    except OSError:
        return False
    return True
