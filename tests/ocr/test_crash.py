"""A real crash between the sensor's tick and the run's end: the run's process is killed with SIGKILL after it
committed the first chunk of its batch and while the second chunk waits; the next tick requests the batch
again and the end state has every invoice exactly once."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from dagster import DagsterInstance, DagsterRunStatus, Definitions, RunsFilter, build_sensor_context

from dagster_project import paths
from dagster_project.ocr import load
from dagster_project.ocr.inbox import from_token
from dagster_project.ocr.sensors import BATCH_TAG, SENSOR_NAME
from dagster_project.ocr.settings import OcrSettings
from tests.ocr.helpers import Warehouse, drop, execute, files_under, invoice


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_killed_run_is_requested_again_and_ends_without_duplicates_or_losses(
        ocr_defs: Definitions, instance: DagsterInstance, ocr_env: OcrSettings, db: Warehouse, warehouse: str,
        dagster_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("OCR_LOAD_CHUNK", "5")  # one transaction per 5 documents
    monkeypatch.setenv("OCR_ALERT_THRESHOLD", "1000")  # every invoice below is at or above it
    monkeypatch.setenv("OCR_RETRY_SECONDS", "0")
    monkeypatch.setenv("OCR_RUN_MAX_SECONDS", "1")
    documents = {f"c-{i:02}.json": json.dumps(invoice(f"CR-{i}", 1000 + i, lines=2)).encode() for i in range(12)}
    for name, data in documents.items():
        drop(ocr_env.inbox, name, data)
    sensor = ocr_defs.resolve_sensor_def(SENSOR_NAME)
    first = sensor(build_sensor_context(instance=instance, definitions=ocr_defs))
    [request] = first.run_requests
    files = [from_token(t) for t in request.run_config["ops"]["ocr_load"]["config"]["files"]]
    second_chunk = hashlib.sha256(documents[files[5]]).hexdigest()
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps({"run_config": request.run_config, "warehouse": warehouse,
                                        "tags": {**request.tags, "dagster/run_key": request.run_key}}))

    with psycopg.connect(warehouse) as holder:
        load.prepare(holder)
        # An uncommitted row with the hash of the second chunk's first document: the run's INSERT ... ON CONFLICT
        # for that chunk waits for this transaction, after the first chunk committed.
        holder.execute("INSERT INTO ocr.documents (content_sha256, source_name, media_type, size_bytes, engine, "
                       "status, archive_path, received_at) VALUES (%s, 'held', 'application/json', 0, 'json', "
                       "'quarantined', '-', now())", (second_chunk,))
        worker = subprocess.Popen([sys.executable, "-m", "tests.ocr.run_batch", str(request_file)],
                                  env={**os.environ, "DAGSTER_HOME": str(dagster_home)}, cwd=paths.PROJECT_ROOT)
        try:
            wait_for(lambda: db.scalar("SELECT count(*) FROM ocr.invoices") == 5 and db.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'") == 1, "the first chunk's commit and the second chunk's wait")
        finally:
            worker.kill()
            worker.wait()
        holder.rollback()

    assert db.scalar("SELECT count(*) FROM ocr.invoices") == 5
    assert len(files_under(ocr_env.claimed)) == 12 and files_under(ocr_env.archive) == []  # committed, not moved
    [record] = instance.get_run_records(filters=RunsFilter(tags={BATCH_TAG: request.tags[BATCH_TAG]}))
    assert record.dagster_run.status == DagsterRunStatus.STARTED  # its worker is gone; nobody said so yet

    # What Dagster's run monitoring daemon does with a run past its dagster/max_runtime tag (the real function).
    from dagster._daemon.monitoring.run_monitoring import check_run_timeout

    wait_for(lambda: time.time() - record.start_time > 1.5, "the run's max runtime")
    check_run_timeout(instance, record, logging.getLogger("run_monitoring"), 0)
    assert instance.get_run_by_id(record.dagster_run.run_id).status == DagsterRunStatus.FAILURE

    retry = sensor(build_sensor_context(instance=instance, cursor=first.cursor, definitions=ocr_defs))
    [again] = retry.run_requests
    assert again.run_key == f"{request.tags[BATCH_TAG]}:2" and again.tags["ocr/attempt"] == "2"
    assert again.run_config["ops"]["ocr_load"]["config"]["files"] == request.run_config["ops"]["ocr_load"][
        "config"]["files"]
    caplog.clear()
    result = execute(ocr_defs, instance, again)
    assert result.success
    metadata = result.asset_materializations_for_node("ocr_load")[0].metadata
    assert (metadata["documents_recovered"].value, metadata["documents_loaded"].value) == (5, 7)
    # The killed run never reported: its five invoices are alerted now, with the seven new ones (no webhook
    # configured here, so the messages are logged; tests/ocr/test_notify.py covers the HTTP side).
    alerts = [r.getMessage() for r in caplog.records if "OCR alert logged only" in r.getMessage()]
    assert sorted(int(a.split("invoice CR-")[1].split()[0]) for a in alerts) == list(range(12))
    assert "5 loaded before a crash, now archived" in caplog.text

    assert db.scalar("SELECT count(*) FROM ocr.invoices") == 12
    assert db.scalar("SELECT count(DISTINCT invoice_number) FROM ocr.invoices") == 12
    assert db.scalar("SELECT count(*) FROM ocr.documents WHERE status = 'loaded'") == 12
    assert db.scalar("SELECT count(*) FROM ocr.invoice_lines") == 24
    archived = files_under(ocr_env.archive)
    assert sorted(p.read_bytes() for p in archived) == sorted(documents.values())
    assert files_under(ocr_env.inbox) == [] and not ocr_env.claimed.joinpath(request.tags[BATCH_TAG]).exists()
    assert not sensor(build_sensor_context(instance=instance, cursor=retry.cursor, definitions=ocr_defs)).run_requests
