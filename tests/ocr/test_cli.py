"""`hybrid ocr ingest` and `hybrid ocr status` against the real warehouse database."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from dagster_project.cli.main import cli
from dagster_project.ocr.settings import OcrSettings
from tests.ocr.helpers import Warehouse, drop, files_under, invoice


def snapshot(folder: Path) -> dict[bytes, bytes]:
    return {os.fsencode(p): p.read_bytes() for p in files_under(folder, reasons=True)}


def test_a_backfill_from_an_outside_folder_copies_and_a_second_run_changes_nothing(
        ocr_env: OcrSettings, db: Warehouse, tmp_path: Path) -> None:
    scans = tmp_path / "scans" / "2026-03"
    scans.mkdir(parents=True)
    for i in range(3):
        drop(scans, f"inv-{i}.json", invoice(f"BF-{i}", 1500 + i))
    drop(scans, "scan-9.pdf", b"%PDF-1.7 scanned")
    drop(scans, "scan-9.json", invoice("BF-9", "4480.00"))
    drop(scans, b"caf\xe9.json", invoice("BF-LATIN", "1120.00"))
    drop(scans, "broken.json", b'{"vendor": ')
    before = snapshot(scans)

    first = CliRunner().invoke(cli, ["ocr", "ingest", str(tmp_path / "scans"), "--output", "json"])

    assert first.exit_code == 1, first.output  # a file was quarantined
    report = json.loads(first.stdout)
    assert report["env"] == "local" and report["counts"]["loaded"] == 5 and report["counts"]["quarantined"] == 1
    [bad] = [f for f in report["files"] if f["status"] == "quarantined"]
    assert (bad["file"], bad["reason"]) == ("broken.json", "malformed JSON") and bad["fix"]
    assert "[7/7]" not in first.stderr and "[6/6]" in first.stderr  # progress, one line per document
    assert snapshot(scans) == before  # the originals stay where they are
    assert len(files_under(ocr_env.archive)) == 6 and len(files_under(ocr_env.quarantine)) == 1
    assert db.scalar("SELECT count(*) FROM ocr.invoices") == 5

    second = CliRunner().invoke(cli, ["ocr", "ingest", str(scans), "--output", "json"])

    again = json.loads(second.stdout)["counts"]
    assert (again["loaded"], again["duplicate"], again["quarantined"]) == (0, 5, 1)
    assert len(files_under(ocr_env.archive)) == 6 and len(files_under(ocr_env.quarantine, reasons=True)) == 2
    assert db.scalar("SELECT count(*) FROM ocr.invoices") == 5 and snapshot(scans) == before

    status = CliRunner().invoke(cli, ["ocr", "status", "--output", "json"])
    assert status.exit_code == 1  # the quarantine holds a file
    document = json.loads(status.stdout)
    assert document["warehouse"] == {"loaded": 5, "quarantined": 1, "invoices": 5, "invoice_lines": 10}
    assert (document["waiting"], document["claimed_files"], document["quarantined_files"]) == (0, 0, 1)


def test_ingesting_the_inbox_moves_files_as_the_sensor_would(ocr_env: OcrSettings, db: Warehouse) -> None:
    drop(ocr_env.inbox, "a.json", invoice("IN-1", "700.00"))
    drop(ocr_env.inbox, "b.json", invoice("IN-2", "800.00"))
    result = CliRunner().invoke(cli, ["ocr", "ingest", str(ocr_env.inbox)])
    assert result.exit_code == 0, result.output
    assert "2 loaded" in result.stdout
    assert files_under(ocr_env.inbox) == [] and len(files_under(ocr_env.archive)) == 2
    status = CliRunner().invoke(cli, ["ocr", "status"])
    assert status.exit_code == 0 and "2 documents loaded" in status.stdout and "0 waiting" in status.stdout


def test_bad_settings_and_paths_exit_with_the_documented_status(ocr_env: OcrSettings,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    missing = CliRunner().invoke(cli, ["ocr", "ingest", str(ocr_env.inbox / "nope.json")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    monkeypatch.setenv("OCR_MIN_CONFIDENCE", "80%")
    bad = CliRunner().invoke(cli, ["ocr", "ingest", str(ocr_env.inbox)])
    assert bad.exit_code == 3 and "OCR_MIN_CONFIDENCE='80%' is not between 0 and 1" in bad.stderr
