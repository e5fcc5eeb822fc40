"""`POST /webhooks/ocr-complete`: the OCR service says a document is done. The document (its OCR JSON, the
file at `file_url`, or both) becomes a batch in the inbox's claimed folder, exactly as the `ocr_arrivals`
sensor would have claimed it, and an `ocr_ingest` run is launched for it: the same validation, quarantine,
loading and filing, in a run the UI shows. A job id is taken once (`ops.webhook_deliveries`).

Nothing is lost when Dagster is down: the claimed batch stays, and the sensor requests its run once the
service's launch grace has passed (ocr/sensors.py). Loading is idempotent by content hash, so a second run
of the same batch loads nothing twice.
"""

from __future__ import annotations

import json
import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from dagster_project.ocr import inbox
from dagster_project.ocr.download import download
from dagster_project.ocr.sensors import JOB_NAME, WEBHOOK_BATCH_SUFFIX, run_request
from dagster_project.ocr.settings import OcrSettings, load_settings
from dagster_project.ops import launcher
from dagster_project.webhooks import calls

SOURCE = "ocr-complete"
SUFFIXES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tif"}


class OcrComplete(BaseModel):
    model_config = ConfigDict(extra="ignore")

    job_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
                        description="The OCR service's job id: a second call with it loads nothing.")
    file_url: HttpUrl | None = Field(None, description="Where the document is (a host in OCR_URL_ALLOWED_HOSTS).")
    document: dict[str, Any] | None = Field(None, description="The OCR JSON, as the inbox takes it.")

    @model_validator(mode="after")
    def _something(self) -> OcrComplete:
        if self.file_url is None and self.document is None:
            raise ValueError("give file_url or document (or both)")
        return self


def _files(payload: OcrComplete, settings: OcrSettings) -> dict[str, bytes]:
    """The inbox files of this delivery, named after the job id (a slug: the id is data, never a path)."""
    stem = inbox.safe_name(payload.job_id).replace(".", "_")
    files: dict[str, bytes] = {}
    if payload.file_url is not None:
        fetched = download(str(payload.file_url), settings.url_hosts)
        files[stem + SUFFIXES.get(fetched.media_type, ".pdf")] = fetched.data
    if payload.document is not None:
        files[stem + inbox.JSON_SUFFIX] = json.dumps(payload.document).encode()
    return files


def _claim(files: dict[str, bytes], settings: OcrSettings) -> tuple[str, list[str]]:
    """Write the files beside the inbox, then move the folder into the claimed ones in one rename."""
    settings.ensure_dirs()
    batch = f"{inbox.new_batch_id()}{WEBHOOK_BATCH_SUFFIX}"
    staging = settings.inbox / ".webhook" / batch
    staging.mkdir(parents=True)
    for name, data in files.items():
        (staging / name).write_bytes(data)
    os.rename(staging, settings.claimed / batch)
    return batch, sorted(files)


def accept(dsn: str, payload: OcrComplete, caller: str) -> dict[str, Any]:
    settings = load_settings()
    with calls.connect(dsn) as conn, conn.transaction():
        earlier = calls.take_delivery(conn, SOURCE, payload.job_id)
        if earlier is not None:
            return {"job_id": payload.job_id, "duplicate": True, "run_id": earlier or None}
        batch, names = _claim(_files(payload, settings), settings)
        request = run_request(batch, 1, names, settings)
        try:
            run_id = launcher.launch_job(JOB_NAME, run_config=request.run_config,
                                         tags={**request.tags, "hybrid/caller": caller,
                                               "hybrid/launched_by": "webhook"})
        except (ConnectionError, ValueError) as exc:
            return {"job_id": payload.job_id, "duplicate": False, "batch": batch, "files": names, "run_id": None,
                    "detail": f"claimed; the ocr_arrivals sensor will launch its run ({exc})"}
        calls.set_delivery_run(conn, SOURCE, payload.job_id, run_id)
    return {"job_id": payload.job_id, "duplicate": False, "batch": batch, "files": names, "run_id": run_id,
            "url": launcher.run_url(run_id)}
