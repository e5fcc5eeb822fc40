"""Bad and odd deliveries through the sensor and its runs: each ends as described and no file is lost."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from dagster import DagsterInstance, Definitions, build_sensor_context

from dagster_project.ocr.filing import reason_path
from dagster_project.ocr.sensors import SENSOR_NAME
from dagster_project.ocr.settings import OcrSettings
from tests.ocr.helpers import Warehouse, drop, execute, files_under, invoice
from tests.ocr.rendering import gradient_png, prose_png

UNDECODABLE = b"factura-\xe9\xff.json"  # Latin-1 bytes: not UTF-8


def run_everything(defs: Definitions, instance: DagsterInstance) -> None:
    result = defs.resolve_sensor_def(SENSOR_NAME)(build_sensor_context(instance=instance, definitions=defs))
    for request in result.run_requests:
        execute(defs, instance, request)


def reason(settings: OcrSettings, name: str) -> dict:
    return json.loads(reason_path(settings.quarantine / name).read_text())


def test_each_bad_or_odd_delivery_ends_as_described_and_nothing_is_lost(
        ocr_defs: Definitions, instance: DagsterInstance, ocr_env: OcrSettings, db: Warehouse) -> None:
    inbox = ocr_env.inbox
    good = json.dumps(invoice("GOOD-1", "2240.00")).encode()
    drop(inbox, "good.json", good)
    drop(inbox, "good-again.json", good)  # the same bytes twice: one invoice, one duplicate delivery
    drop(inbox, "malformed.json", b'{"vendor": {"name": "Acme"}, "total": 12')
    drop(inbox, "empty.json", b"")
    drop(inbox, "empty-scan.pdf", b"")
    drop(inbox, "wrong-types.json", {**invoice("WT-1", "500"), "total": "abc"})
    drop(inbox, "negative.json", {**invoice("NEG-1", "500"), "total": -500})
    drop(inbox, UNDECODABLE, invoice("LATIN-1", "1120.00"))
    drop(inbox, "scan-7.pdf", b"%PDF-1.7 the scanned document itself")
    drop(inbox, "scan-7.json", invoice("PAIR-7", "3360.00"))  # its OCR output, delivered with it
    drop(inbox, "notes.txt", b"call the vendor")
    prose_png(inbox / "minutes.png")
    gradient_png(inbox / "holiday.png")
    dropped = len(files_under(inbox))

    run_everything(ocr_defs, instance)

    statuses = dict(db.rows("SELECT source_name, status FROM ocr.documents"))
    # Same bytes, same content hash, one document row: whichever came first names it.
    assert [statuses.pop(name) for name in ("good.json", "good-again.json") if name in statuses] == ["loaded"]
    assert [statuses.pop(name) for name in ("empty.json", "empty-scan.pdf") if name in statuses] == ["quarantined"]
    assert statuses == {
        "factura-\\xe9\\xff.json": "loaded", "scan-7.pdf": "loaded",
        "malformed.json": "quarantined", "wrong-types.json": "quarantined", "negative.json": "quarantined",
        "notes.txt": "quarantined", "minutes.png": "quarantined", "holiday.png": "quarantined",
    }
    assert db.scalar("SELECT count(*) FROM ocr.invoices") == 3
    assert sorted(r[0] for r in db.rows("SELECT invoice_number FROM ocr.invoices")) == ["GOOD-1", "LATIN-1",
                                                                                        "PAIR-7"]

    assert (reason(ocr_env, "malformed.json")["reason"], reason(ocr_env, "malformed.json")["field"]) == (
        "malformed JSON", None)
    for name in ("empty.json", "empty-scan.pdf"):
        assert reason(ocr_env, name)["reason"] == "empty file"
    wrong = reason(ocr_env, "wrong-types.json")
    assert (wrong["reason"], wrong["field"]) == ("wrong type", "total") and "abc" in wrong["message"]
    assert wrong["fix"] and wrong["sha256"] and wrong["deliver_again"].endswith(str(inbox))
    negative = reason(ocr_env, "negative.json")
    assert (negative["reason"], negative["field"]) == ("not positive", "total")
    assert reason(ocr_env, "notes.txt")["reason"] == "unsupported file type"
    for picture in ("minutes.png", "holiday.png"):  # local Tesseract read them: no invoice in there
        problem = reason(ocr_env, picture)
        assert problem["engine"] == "tesseract" and problem["reason"] in ("missing field", "unreadable document",
                                                                          "low confidence"), problem

    archived = {p.name for p in files_under(ocr_env.archive)}
    sha = db.scalar("SELECT content_sha256 FROM ocr.documents WHERE source_name = %s", "factura-\\xe9\\xff.json")
    pair_sha = db.scalar("SELECT content_sha256 FROM ocr.documents WHERE source_name = 'scan-7.pdf'")
    good_sha = hashlib.sha256(good).hexdigest()
    assert f"{sha}-document.json" in archived  # the archive name is built from the hash
    assert {f"{pair_sha}-scan-7.pdf", f"{pair_sha}-scan-7.json"} <= archived
    assert sum(name.startswith(good_sha) for name in archived) == 2  # the duplicate is archived too
    assert len(archived) == 5

    quarantined = files_under(ocr_env.quarantine)
    assert len(quarantined) == 8 and all(reason_path(p).exists() for p in quarantined)
    assert files_under(inbox) == []
    assert len(files_under(ocr_env.archive)) + len(quarantined) == dropped  # nothing lost


def test_the_undecodable_name_is_kept_byte_for_byte_in_the_archive_record(
        ocr_defs: Definitions, instance: DagsterInstance, ocr_env: OcrSettings, db: Warehouse) -> None:
    drop(ocr_env.inbox, UNDECODABLE, invoice("LATIN-2", "560.00"))
    run_everything(ocr_defs, instance)
    name, path = db.rows("SELECT source_name, archive_path FROM ocr.documents")[0]
    assert name == os.fsencode(os.fsdecode(UNDECODABLE)).decode("utf-8", "backslashreplace")
    assert Path(path).exists() and Path(path).read_bytes() == json.dumps(invoice("LATIN-2", "560.00")).encode()


def test_a_document_is_recorded_as_what_its_bytes_are_not_as_its_name_says(
        ocr_defs: Definitions, instance: DagsterInstance, ocr_env: OcrSettings, db: Warehouse) -> None:
    """A scanner that names every file .pdf: the PNG inside is recorded (and read) as a PNG."""
    drop(ocr_env.inbox, "scan-8.pdf", gradient_png(ocr_env.inbox.parent / "scan.png").read_bytes())
    drop(ocr_env.inbox, "scan-8.json", invoice("PNG-8", "112.00"))
    drop(ocr_env.inbox, "alone-9.json", invoice("JSON-9", "224.00"))
    run_everything(ocr_defs, instance)
    assert sorted(db.rows("SELECT source_name, media_type, status FROM ocr.documents")) == [
        ("alone-9.json", "application/json", "loaded"), ("scan-8.pdf", "image/png", "loaded")]
