"""The ocr_arrivals sensor against a real Dagster instance (Postgres storage), with its runs executed as the
daemon would launch them, loading into a real warehouse database."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from dagster import DagsterInstance, Definitions, SensorResult, build_sensor_context

from dagster_project.ocr.inbox import from_token
from dagster_project.ocr.sensors import SENSOR_NAME, WEBHOOK_BATCH_SUFFIX, WEBHOOK_LAUNCH_GRACE_SECONDS
from dagster_project.ocr.settings import OcrSettings, load_settings
from tests.ocr.helpers import Warehouse, drop, execute, files_under, invoice


def tick(defs: Definitions, instance: DagsterInstance, cursor: str | None = None) -> SensorResult:
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    return sensor(build_sensor_context(instance=instance, cursor=cursor, definitions=defs))


def requested_files(result: SensorResult) -> list[str]:
    return [from_token(token) for request in result.run_requests
            for token in request.run_config["ops"]["ocr_load"]["config"]["files"]]


def test_n_dropped_documents_become_n_invoices_and_a_redelivery_changes_nothing(
        ocr_defs: Definitions, instance: DagsterInstance, ocr_env: OcrSettings, db: Warehouse,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_BATCH_SIZE", "10")
    documents = {f"inv-{i:03}.json": invoice(f"MOS-{i:05}", Decimal(1000 + i * 37), lines=1 + i % 4)
                 for i in range(25)}
    for name, document in documents.items():
        drop(ocr_env.inbox, name, document)

    first = tick(ocr_defs, instance)
    assert len(first.run_requests) == 3 and len({r.run_key for r in first.run_requests}) == 3
    assert sorted(requested_files(first)) == sorted(documents)
    assert files_under(ocr_env.inbox) == sorted(files_under(ocr_env.claimed))  # claimed, not yet loaded
    for request in first.run_requests:
        assert execute(ocr_defs, instance, request).success

    assert db.scalar("SELECT count(*) FROM ocr.invoices") == 25
    assert db.scalar("SELECT count(DISTINCT content_sha256) FROM ocr.invoices") == 25
    assert db.scalar("SELECT sum(amount_total) FROM ocr.invoices") == sum(Decimal(1000 + i * 37) for i in range(25))
    assert db.scalar("SELECT count(*) FROM ocr.invoice_lines") == sum(1 + i % 4 for i in range(25))
    assert len(files_under(ocr_env.archive)) == 25 and files_under(ocr_env.inbox) == []
    assert not tick(ocr_defs, instance, first.cursor).run_requests  # nothing left, no run asked twice

    for name, document in documents.items():  # the same bytes again, under other names
        drop(ocr_env.inbox, "again-" + name, document)
    second = tick(ocr_defs, instance, first.cursor)
    assert not {r.run_key for r in second.run_requests} & {r.run_key for r in first.run_requests}
    for request in second.run_requests:
        result = execute(ocr_defs, instance, request)
        documents_event = result.asset_materializations_for_node("ocr_load")[0]
        assert documents_event.metadata["documents_duplicate"].value == len(request.run_config["ops"]["ocr_load"]
                                                                                  ["config"]["files"])
    assert db.scalar("SELECT count(*) FROM ocr.invoices") == 25
    assert db.scalar("SELECT count(*) FROM ocr.documents") == 25
    assert len(files_under(ocr_env.archive)) == 50 and files_under(ocr_env.inbox) == []


def test_ten_thousand_pending_files_tick_in_bounded_batches_with_distinct_run_keys(
        ocr_defs: Definitions, instance: DagsterInstance, ocr_env: OcrSettings) -> None:
    for i in range(10_000):
        (ocr_env.inbox / f"bulk-{i:05}.json").write_bytes(b'{"total": 1}')
    first = tick(ocr_defs, instance)
    settings = load_settings()
    assert len(first.run_requests) == settings.max_files_per_tick // settings.batch_size == 25
    sizes = [len(r.run_config["ops"]["ocr_load"]["config"]["files"]) for r in first.run_requests]
    assert sizes == [200] * 25
    second = tick(ocr_defs, instance, first.cursor)
    runs = {}  # run key -> files: a key always names the same files, a file is in one key only
    for request in [*first.run_requests, *second.run_requests]:
        files = tuple(request.run_config["ops"]["ocr_load"]["config"]["files"])
        assert runs.setdefault(request.run_key, files) == files
    counts = Counter(f for files in runs.values() for f in files)
    assert len(runs) == 50 and len(counts) == 10_000 and set(counts.values()) == {1}
    assert files_under(ocr_env.inbox, reasons=True) == sorted(files_under(ocr_env.claimed))
    assert json.loads(second.cursor)["attempts"] == {key.split(":")[0]: 1 for key in runs}


def test_files_being_written_wait_for_the_next_tick(ocr_defs: Definitions, instance: DagsterInstance,
                                                    ocr_env: OcrSettings) -> None:
    drop(ocr_env.inbox, "complete.json", invoice("W-1", 500))
    (ocr_env.inbox / "upload.json.part").write_bytes(b'{"vendor": ')
    result = tick(ocr_defs, instance)
    assert requested_files(result) == ["complete.json"]
    assert sorted(os.listdir(ocr_env.inbox)) == [".claimed", "upload.json.part"]


def test_a_tick_never_claims_more_than_its_cap(ocr_defs: Definitions, instance: DagsterInstance,
                                               ocr_env: OcrSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_SENSOR_MAX_FILES", "30")
    monkeypatch.setenv("OCR_BATCH_SIZE", "8")
    for i in range(100):
        drop(ocr_env.inbox, f"d-{i:03}.json", invoice(f"C-{i}", 100 + i))
    result = tick(ocr_defs, instance)
    assert [len(r.run_config["ops"]["ocr_load"]["config"]["files"]) for r in result.run_requests] == [8, 8, 8, 6]
    assert len([p for p in Path(ocr_env.inbox).iterdir() if p.is_file()]) == 70


def test_a_batch_the_webhook_service_claimed_waits_for_its_launch_then_the_sensor_takes_it(
        ocr_defs: Definitions, instance: DagsterInstance, ocr_env: OcrSettings) -> None:
    folder = ocr_env.claimed / f"20261207T000000-0a0b0c0d{WEBHOOK_BATCH_SUFFIX}"
    folder.mkdir(parents=True)
    drop(folder, "job-7.json", invoice("WH-7", 700))
    assert tick(ocr_defs, instance).run_requests == [], "the service launches its own run first"
    old = time.time() - WEBHOOK_LAUNCH_GRACE_SECONDS - 1
    os.utime(folder, (old, old))  # the service died between its claim and its launch
    taken = tick(ocr_defs, instance)
    assert requested_files(taken) == ["job-7.json"] and taken.run_requests[0].tags["ocr/batch"] == folder.name
