"""`ocr_arrivals`: turns settled inbox files into `ocr_ingest` runs of up to OCR_BATCH_SIZE documents.

Each tick does bounded work: it looks at no more than OCR_SENSOR_MAX_FILES new files and claims them by
renaming them into `<inbox>/.claimed/<batch>/` (atomic, same filesystem), one folder per run. The folder is
the batch's state: a run key `<batch>:<attempt>` is requested for it; a run that ended (failed, canceled,
or killed and then failed by run monitoring through the `dagster/max_runtime` tag) while files remain in the
folder is requested again, with the next attempt number, after a back-off. Loading is idempotent by content
hash, so a retried batch never duplicates what the failed attempt committed. The cursor keeps the attempt
of each open batch.

The webhook service claims batches too (`<batch>-webhook`, docs/webhooks.md) and launches their first run
itself; the sensor leaves such a batch alone for a minute, then requests its run as for any other.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRecord,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from dagster_project.ocr import inbox
from dagster_project.ocr.assets import LOAD_OP
from dagster_project.ocr.settings import OcrSettings, load_settings

SENSOR_NAME = "ocr_arrivals"
JOB_NAME = "ocr_ingest"
INTERVAL_SECONDS = 5
BATCH_TAG = "ocr/batch"
ATTEMPT_TAG = "ocr/attempt"
MAX_RUNTIME_TAG = "dagster/max_runtime"  # read by Dagster's run monitoring, which fails runs that exceed it
MAX_OPEN_BATCHES = 100  # no new claims while this many batches wait for their runs
MAX_BACKOFF_SECONDS = 3600
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
WEBHOOK_BATCH_SUFFIX = "-webhook"  # claimed by the webhook service, which launches the first run itself
WEBHOOK_LAUNCH_GRACE_SECONDS = 60  # after this with no run, the service is taken to have died: the sensor asks


@dataclass
class Tick:
    requests: list[RunRequest] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)
    claimed_files: int = 0
    retried: int = 0

    @property
    def cursor(self) -> str:
        return json.dumps({"attempts": self.attempts}, sort_keys=True)


def parse_cursor(cursor: str | None) -> dict[str, int]:
    try:
        return {str(k): int(v) for k, v in json.loads(cursor or "{}").get("attempts", {}).items()}
    except (ValueError, AttributeError, TypeError):
        return {}


def run_request(batch: str, attempt: int, files: list[str], settings: OcrSettings) -> RunRequest:
    return RunRequest(
        run_key=f"{batch}:{attempt}",
        run_config={"ops": {LOAD_OP: {"config": {"batch": batch, "files": [inbox.to_token(n) for n in files]}}}},
        tags={BATCH_TAG: batch, ATTEMPT_TAG: str(attempt), MAX_RUNTIME_TAG: str(settings.run_max_seconds)},
    )


def backoff(settings: OcrSettings, attempt: int) -> float:
    return min(settings.retry_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


def latest_runs(instance: DagsterInstance, batches: list[str]) -> dict[str, RunRecord]:
    """The newest run of each batch, in one query."""
    if not batches:
        return {}
    latest: dict[str, RunRecord] = {}
    for record in instance.get_run_records(filters=RunsFilter(tags={BATCH_TAG: batches})):
        latest.setdefault(record.dagster_run.tags[BATCH_TAG], record)
    return latest


def _ended(record: RunRecord) -> float:
    return record.end_time or record.update_timestamp.timestamp()


def evaluate(instance: DagsterInstance, settings: OcrSettings, attempts: dict[str, int],
             now: float | None = None) -> Tick:
    """One tick: re-request open batches whose run ended with files left, then claim new arrivals."""
    now = time.time() if now is None else now
    settings.ensure_dirs()
    tick = Tick()
    batches = inbox.claimed_batches(settings.claimed)
    runs = latest_runs(instance, batches)
    for batch in batches:
        files = inbox.batch_files(settings.claimed, batch)
        if not files:
            inbox.remove_if_empty(settings.claimed / batch)
            continue
        record = runs.get(batch)
        ran = int(record.dagster_run.tags.get(ATTEMPT_TAG, "1")) if record else 0
        attempt = max(attempts.get(batch, 1), ran)
        if ran < attempt and ran == 0 and _launching(settings, batch, now):
            pass  # the webhook service is launching this batch's run
        elif ran < attempt:
            # Claimed but no run yet (the daemon stopped between claim and launch): ask again; the run key
            # makes a second request for a run that does exist a no-op.
            tick.requests.append(run_request(batch, attempt, files, settings))
        elif record.dagster_run.status in FINISHED and _ended(record) + backoff(settings, ran) <= now:
            attempt = ran + 1
            tick.requests.append(run_request(batch, attempt, files, settings))
            tick.retried += 1
        tick.attempts[batch] = attempt
    if len(tick.attempts) < MAX_OPEN_BATCHES:
        _claim_new(settings, now, tick)
    return tick


def _launching(settings: OcrSettings, batch: str, now: float) -> bool:
    if not batch.endswith(WEBHOOK_BATCH_SUFFIX):
        return False
    try:
        return (settings.claimed / batch).stat().st_mtime + WEBHOOK_LAUNCH_GRACE_SECONDS > now
    except FileNotFoundError:
        return False


def _claim_new(settings: OcrSettings, now: float, tick: Tick) -> None:
    arrivals, _ = inbox.scan(settings.inbox, settle_seconds=settings.settle_seconds,
                             limit=settings.max_files_per_tick, now=now)
    for start in range(0, len(arrivals), settings.batch_size):
        batch = inbox.new_batch_id(now)
        moved = inbox.claim(settings.inbox, settings.claimed, batch, arrivals[start:start + settings.batch_size])
        if moved:
            tick.requests.append(run_request(batch, 1, moved, settings))
            tick.attempts[batch] = 1
            tick.claimed_files += len(moved)


def build_ocr_sensor() -> SensorDefinition:
    @sensor(name=SENSOR_NAME, job_name=JOB_NAME, minimum_interval_seconds=INTERVAL_SECONDS,
            default_status=DefaultSensorStatus.RUNNING,
            description="Claims settled files in the OCR inbox in batches and requests an ocr_ingest run per batch; "
                        "re-requests a batch whose run ended with files left.")
    def ocr_arrivals(context: SensorEvaluationContext) -> SensorResult:
        tick = evaluate(context.instance, load_settings(), parse_cursor(context.cursor))
        if tick.claimed_files or tick.retried:
            context.log.info(f"claimed {tick.claimed_files} files; {tick.retried} batches retried")
        return SensorResult(run_requests=tick.requests, cursor=tick.cursor)

    return ocr_arrivals
