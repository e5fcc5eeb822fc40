"""Inbox conventions: what is ready, how documents pair with their JSON, names that are not UTF-8."""

from __future__ import annotations

import os
import time
from pathlib import Path

from dagster_project.ocr.inbox import Arrival, collect, from_token, safe_name, scan, to_token
from tests.ocr.helpers import drop


def names(arrivals: list[Arrival]) -> set[tuple[str | None, str | None]]:
    return {(a.document, a.ocr_json) for a in arrivals}


def test_files_being_written_are_left_alone(tmp_path: Path) -> None:
    drop(tmp_path, "ready.json", b"{}")
    drop(tmp_path, "upload.json.part", b"{")
    drop(tmp_path, ".hidden.json", b"{}")
    drop(tmp_path, "fresh.json", b"{}")
    old = time.time() - 60
    for name in ("ready.json", "upload.json.part", ".hidden.json"):
        os.utime(tmp_path / name, (old, old))
    (tmp_path / "subfolder").mkdir()
    arrivals, truncated = scan(tmp_path, settle_seconds=5, limit=100)
    assert names(arrivals) == {(None, "ready.json")} and not truncated
    later, _ = scan(tmp_path, settle_seconds=5, limit=100, now=time.time() + 10)
    assert names(later) == {(None, "ready.json"), (None, "fresh.json")}


def test_a_document_and_its_json_are_one_arrival(tmp_path: Path) -> None:
    for name in ("scan-1.pdf", "scan-1.json", "scan-2.png", "alone.json", "two.png", "two.jpg", "two.json"):
        drop(tmp_path, name, b"x")
    arrivals, _ = scan(tmp_path, settle_seconds=0, limit=100)
    assert names(arrivals) == {("scan-1.pdf", "scan-1.json"), ("scan-2.png", None), (None, "alone.json"),
                               ("two.png", None), ("two.jpg", None), (None, "two.json")}


def test_a_cut_listing_still_keeps_pairs_together(tmp_path: Path) -> None:
    for i in range(30):
        drop(tmp_path, f"doc-{i:02}.pdf", b"%PDF")
        drop(tmp_path, f"doc-{i:02}.json", b"{}")
    arrivals, truncated = scan(tmp_path, settle_seconds=0, limit=7)
    assert truncated
    assert all(a.document and a.ocr_json for a in arrivals), names(arrivals)


def test_names_that_are_not_utf8_round_trip_through_run_config(tmp_path: Path) -> None:
    path = drop(tmp_path, b"factura-\xe9\xff 100%.json", b"{}")
    name = path.name
    token = to_token(name)
    assert token == "factura-%E9%FF 100%25.json" and token.isascii()
    assert from_token(token) == name and os.fsencode(from_token(token)) == b"factura-\xe9\xff 100%.json"
    assert from_token("plain name.json") == "plain name.json"
    assert safe_name(name) == "document.json" and safe_name("Inv 2026/03 (a).pdf") == "Inv_2026_03_a_.pdf"


def test_collect_walks_directories_and_brings_partners(tmp_path: Path) -> None:
    (tmp_path / "march" / ".cache").mkdir(parents=True)
    drop(tmp_path / "march", "a.pdf", b"%PDF")
    drop(tmp_path / "march", "a.json", b"{}")
    drop(tmp_path / "march" / ".cache", "b.json", b"{}")
    drop(tmp_path, "c.png", b"png")
    drop(tmp_path, "c.json", b"{}")
    assert names(collect([tmp_path / "march"])) == {("a.pdf", "a.json")}
    assert names(collect([tmp_path / "c.png"])) == {("c.png", "c.json")}
