"""What `hybrid odoo seed|simulate` print: the reports as JSON-ready dicts and as a few lines of text."""

from __future__ import annotations

import datetime as dt
import json

from dagster_project.odoo.generator.outcomes import SeedReport, SimulationReport
from dagster_project.odoo.schema import TABLES


def seed_report() -> SeedReport:
    return SeedReport(
        rows={"account_move_line": 50_000, "account_move": 15_000, "res_partner": 400, "res_currency": 3, "x": 0},
        seconds=4.0,
        move_lines=50_000,
        scale=1,
        seed=42,
        today=dt.date(2026, 3, 15),
        phases={"generate": 2.5, "copy": 0.75, "indexes": 0.5},
        table_seconds={"account_move_line": 0.9, "account_move": 0.3, "res_partner": 0.02, "res_currency": 0.001},
    )


def test_seed_report_as_dict() -> None:
    assert seed_report().as_dict() == {
        "scale": 1,
        "seed": 42,
        "today": "2026-03-15",
        "seconds": 4.0,
        "move_lines": 50_000,
        "move_lines_per_second": 12_500.0,
        "total_rows": 65_403,
        "rows": {"account_move_line": 50_000, "account_move": 15_000, "res_partner": 400, "res_currency": 3, "x": 0},
        "phases": {"generate": 2.5, "copy": 0.75, "indexes": 0.5},
        "table_seconds": {"account_move_line": 0.9, "account_move": 0.3, "res_partner": 0.02, "res_currency": 0.001},
    }


def test_seed_report_summary() -> None:
    assert seed_report().summary().splitlines() == [
        "seeded 50,000 move lines (scale 1, seed 42, today 2026-03-15) in 4.0 s (12,500 lines/s)",
        "65,403 rows in 4 tables; biggest: account_move_line 50,000, account_move 15,000, res_partner 400",
        "phases: generate 2.5 s, copy 0.8 s, indexes 0.5 s",
        "slowest tables (COPY + indexes): account_move_line 0.90 s, account_move 0.30 s, res_partner 0.02 s",
    ]


def test_seed_report_without_settings_or_timings() -> None:
    report = SeedReport(rows={"account_move_line": 10}, seconds=0.0, move_lines=10)
    assert report.as_dict()["today"] is None
    assert report.as_dict()["move_lines_per_second"] == 0.0
    assert report.summary().splitlines() == [
        "seeded 10 move lines in 0.0 s (0 lines/s)",
        "10 rows in 1 tables; biggest: account_move_line 10",
    ]


def test_real_seed_report_is_json_ready_and_covers_every_table(seeded: tuple[str, SeedReport]) -> None:
    document = json.loads(json.dumps(seeded[1].as_dict()))
    assert (document["scale"], document["seed"], document["today"]) == (1, 42, "2026-03-15")
    assert set(document["rows"]) == set(document["table_seconds"]) == {t.name for t in TABLES}
    assert document["move_lines"] == document["rows"]["account_move_line"]
    assert set(document["phases"]) == {"catalog", "schema", "generate", "copy_wait", "indexes"}
    assert sum(document["phases"].values()) <= document["seconds"] + 0.01
    assert seeded[1].summary().startswith(f"seeded {document['move_lines']:,} move lines (scale 1, seed 42, ")


def simulation_report() -> SimulationReport:
    return SimulationReport(
        counts={"create_draft": 5, "post": 3, "payment": 0},
        touched={"create_draft": [1, 2, 3, 4, 5], "post": [7, 8, 9], "payment": []},
        skipped={"create_draft": 0, "post": 1, "payment": 2},
        seconds=4.0,
    )


def test_simulation_report_as_dict() -> None:
    assert simulation_report().as_dict() == {
        "seconds": 4.0,
        "events": 8,
        "events_per_second": 2.0,
        "counts": {"create_draft": 5, "post": 3, "payment": 0},
        "skipped": {"create_draft": 0, "post": 1, "payment": 2},
        "skipped_total": 3,
        "reconnects": 0,
    }


def test_simulation_report_summary() -> None:
    assert simulation_report().summary().splitlines() == [
        "simulated 8 events in 4.0 s (2.00/s), 3 skipped",
        "create_draft 5, post 3 (1 skipped), payment 0 (2 skipped)",
    ]


def test_simulation_report_counts_reconnects() -> None:
    report = simulation_report()
    report.reconnects = 2
    assert report.as_dict()["reconnects"] == 2
    assert report.summary().splitlines()[0] == "simulated 8 events in 4.0 s (2.00/s), 3 skipped, 2 reconnects"


def test_simulation_report_of_an_empty_run() -> None:
    report = SimulationReport(counts={"post": 0}, touched={"post": []}, skipped={"post": 0}, seconds=0.0)
    assert report.as_dict()["events_per_second"] == 0.0
    assert report.summary().splitlines()[0] == "simulated 0 events in 0.0 s (0.00/s), 0 skipped"
