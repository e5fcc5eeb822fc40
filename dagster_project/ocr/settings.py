"""OCR settings, read from environment variables at run time so the sensor, the runs and `hybrid ocr` agree.

None of them is a secret; all have defaults that work on the local stack (the folders live in the state dir).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from dagster_project import paths
from dagster_project.config.environ import SettingError, finite_decimal, positive_int


@dataclass(frozen=True)
class OcrSettings:
    inbox: Path
    archive: Path
    quarantine: Path
    service_url: str | None = None
    min_confidence: Decimal = Decimal("0.80")
    alert_threshold: Decimal = Decimal("10000")
    settle_seconds: float = 2.0
    batch_size: int = 200
    max_files_per_tick: int = 5000
    retry_seconds: float = 30.0
    run_max_seconds: int = 3600
    load_chunk: int = 100
    url_hosts: frozenset[str] = frozenset()  # hosts a document may be fetched from by URL (OCR_URL_ALLOWED_HOSTS)

    @property
    def claimed(self) -> Path:
        """Batches the sensor claimed for a run: `<inbox>/.claimed/<batch>/` (same filesystem: renames are atomic)."""
        return self.inbox / ".claimed"

    def ensure_dirs(self) -> None:
        for folder in (self.inbox, self.archive, self.quarantine, self.claimed):
            folder.mkdir(parents=True, exist_ok=True)


def load_settings(environ: Mapping[str, str] | None = None) -> OcrSettings:
    """OCR_INBOX_DIR (default `<state dir>/ocr/inbox`); OCR_ARCHIVE_DIR and OCR_QUARANTINE_DIR default to the
    inbox's siblings `archive/` and `quarantine/`."""
    env = os.environ if environ is None else environ
    inbox = Path(env.get("OCR_INBOX_DIR") or paths.state_dir() / "ocr" / "inbox").resolve()
    return OcrSettings(
        inbox=inbox,
        archive=Path(env.get("OCR_ARCHIVE_DIR") or inbox.parent / "archive").resolve(),
        quarantine=Path(env.get("OCR_QUARANTINE_DIR") or inbox.parent / "quarantine").resolve(),
        service_url=env.get("OCR_SERVICE_URL") or None,
        min_confidence=_decimal(env, "OCR_MIN_CONFIDENCE", "0.80", low=Decimal(0), high=Decimal(1)),
        alert_threshold=_decimal(env, "OCR_ALERT_THRESHOLD", "10000", low=Decimal(0)),
        settle_seconds=float(_decimal(env, "OCR_SETTLE_SECONDS", "2", low=Decimal(0))),
        batch_size=_integer(env, "OCR_BATCH_SIZE", 200),
        max_files_per_tick=_integer(env, "OCR_SENSOR_MAX_FILES", 5000),
        retry_seconds=float(_decimal(env, "OCR_RETRY_SECONDS", "30", low=Decimal(0))),
        run_max_seconds=_integer(env, "OCR_RUN_MAX_SECONDS", 3600),
        load_chunk=_integer(env, "OCR_LOAD_CHUNK", 100),
        url_hosts=frozenset(h.strip().lower() for h in env.get("OCR_URL_ALLOWED_HOSTS", "").split(",") if h.strip()),
    )


def _decimal(env: Mapping[str, str], name: str, default: str, *, low: Decimal,
             high: Decimal | None = None) -> Decimal:
    raw = env.get(name) or default
    value = finite_decimal(raw)
    if value is None or value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"a number >= {low}"
        raise SettingError(f"{name}={raw!r} is not {bounds}; fix: export {name}={default} (the default)")
    return value


def _integer(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name) or str(default)
    value = positive_int(raw)
    if value is None:
        raise SettingError(f"{name}={raw!r} is not a positive integer; fix: export {name}={default} (the default)")
    return value
