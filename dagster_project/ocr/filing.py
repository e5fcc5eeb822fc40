"""Where processed files go: `archive/YYYY/MM/DD/<sha256>-<safe name>` or `quarantine/<name>` next to
`<name>.reason.json`. Nothing is ever deleted: a name already taken gets a numbered variant."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from dagster_project.ocr.inbox import safe_name


def archive_path(root: Path, sha256: str, name: str, day: dt.date) -> Path:
    return root / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}" / f"{sha256}-{safe_name(name)}"


def quarantine_path(root: Path, name: str, sha256: str) -> Path:
    """The original name when free, else `<stem>-<hash prefix><suffix>` (the same file twice keeps both)."""
    path = root / name
    if not os.path.lexists(path) and not os.path.lexists(reason_path(path)):
        return path
    stem, ext = os.path.splitext(name)
    return root / f"{stem}-{sha256[:12]}{ext}"


def reason_path(path: Path) -> Path:
    return path.with_name(path.name + ".reason.json")


def free_path(path: Path) -> Path:
    """`path`, or `<stem>.<n><ext>` for the first n not yet taken."""
    if not os.path.lexists(path):
        return path
    stem, ext = os.path.splitext(path.name)
    n = 2
    while os.path.lexists(candidate := path.with_name(f"{stem}.{n}{ext}")):
        n += 1
    return candidate


def transfer(source: Path, target: Path, *, keep_original: bool) -> Path:
    """Move `source` to `target` (a free variant of it if taken), or copy it there when `keep_original`.
    Returns where it went. A copy is written under a temporary name and renamed, never half-written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target = free_path(target)
    if keep_original:
        staging = target.with_name(f".{uuid.uuid4().hex}.part")
        shutil.copy2(source, staging)
        os.replace(staging, target)
    else:
        shutil.move(source, target)
    return target


def write_reason(path: Path, document: dict[str, Any]) -> None:
    staging = path.with_name(f".{uuid.uuid4().hex}.part")
    staging.write_text(json.dumps(document, indent=2, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(staging, path)
