"""`hybrid replication verify`: ordered checksums over key ranges find and name what differs, stay quiet
under load when nothing does, and `--repair` makes the replica equal again."""

from __future__ import annotations

import json
import logging

import pytest
from dagster import Definitions, build_schedule_context

from dagster_project.replication.assets import replicated_asset_specs
from dagster_project.replication.verify import verify
from dagster_project.replication.verify_checks import build_verify_check, build_verify_schedules
from dagster_project.resources.postgres import PostgresResource
from tests.replication.conftest import Replicated, run_cli, under_load

pytestmark = pytest.mark.stack
LINES = "public.account_move_line"


def test_nothing_differs_under_load_full_or_sampled(replicated: Replicated) -> None:
    with under_load(replicated, rate=40, seed=61):
        full = verify(replicated.endpoints, replicated.config, range_rows=2_000)
        sampled = verify(replicated.endpoints, replicated.config, sample=2, range_rows=2_000)
    assert full.equal, [t for t in full.tables if not t.equal]
    assert sampled.equal and sampled.sampled
    lines = next(t for t in full.tables if t.table == LINES)
    assert lines.ranges_compared == lines.ranges_total > 20 and lines.source_rows > 40_000
    lines = next(t for t in sampled.tables if t.table == LINES)
    assert lines.ranges_compared == 3 < lines.ranges_total  # two random ranges and the newest one


def test_a_changed_and_a_missing_row_are_named_by_their_range_and_repaired(replicated: Replicated, monkeypatch,
                                                                           tmp_path) -> None:
    """Written into the replica behind the subscription's back, as a bug or a hand edit would."""
    with replicated.source() as src:
        line_id = src.execute("SELECT id FROM account_move_line ORDER BY id OFFSET 12345 LIMIT 1").fetchone()[0]
        move_id = src.execute("SELECT id FROM account_move ORDER BY id OFFSET 77 LIMIT 1").fetchone()[0]
    with replicated.warehouse() as wh:
        wh.execute("UPDATE account_move_line SET name = 'edited in the warehouse' WHERE id = %s", (line_id,))
        wh.execute("DELETE FROM account_move WHERE id = %s", (move_id,))

    found = run_cli(replicated, monkeypatch, tmp_path, "replication", "verify", "--env", "local", "--table", LINES,
                 "--table", "public.account_move", "--range-rows", "5000", "--output", "json")
    assert found.exit_code == 1, found.output
    report = json.loads(found.stdout)
    assert not report["equal"] and [t["table"] for t in report["tables"]] == [LINES, "public.account_move"]
    lines, moves = report["tables"]
    [changed] = lines["differences"]
    assert changed["low"] <= line_id <= changed["high"] and changed["high"] - changed["low"] < 100
    assert changed["source_rows"] == changed["replica_rows"]  # same count, different values
    [missing] = moves["differences"]
    assert missing["low"] <= move_id <= missing["high"]
    assert missing["source_rows"] == missing["replica_rows"] + 1

    with under_load(replicated, seed=62):
        repaired = run_cli(replicated, monkeypatch, tmp_path, "replication", "verify", "--env", "local",
                        "--table", LINES, "--table", "public.account_move", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "copied public.account_move_line again (" in repaired.output
    assert "copied public.account_move again (" in repaired.output
    assert "local: 2 of 2 tables equal" in repaired.output
    source, replica = replicated.checksums()
    assert source == replica


def test_an_unknown_table_is_a_usage_error(replicated: Replicated, monkeypatch, tmp_path) -> None:
    result = run_cli(replicated, monkeypatch, tmp_path, "replication", "verify", "--env", "local",
                  "--table", "public.res_users")
    assert result.exit_code == 2 and "public.res_users is not in config/replication.yaml" in result.output


def test_the_nightly_check_fails_the_differing_table_and_alerts(replicated: Replicated, caplog) -> None:
    """The Dagster check as the full schedule runs it, on the real databases; Mattermost is not configured,
    so the alert is logged (as every notification is then)."""
    with replicated.warehouse() as wh:
        wh.execute("DELETE FROM res_partner WHERE id = (SELECT max(id) FROM res_partner)")
    check = build_verify_check(replicated.config, "local")
    [_, full] = build_verify_schedules(check)
    resources = {name: PostgresResource(dsn=dsn) for name, dsn in (
        ("odoo_db", replicated.endpoints.source), ("odoo_replication", replicated.endpoints.replication),
        ("warehouse", replicated.endpoints.warehouse))}
    defs = Definitions(assets=replicated_asset_specs(replicated.config, "local"), asset_checks=[check],
                       schedules=[full], resources=resources)
    run_config = full.evaluate_tick(build_schedule_context()).run_requests[0].run_config
    with caplog.at_level(logging.WARNING):
        result = defs.resolve_job_def("replica_verify").execute_in_process(run_config=run_config,
                                                                           raise_on_error=False)
    evaluations = {e.asset_key.path[1]: e for e in result.get_asset_check_evaluations()}
    assert len(evaluations) == len(replicated.config.tables)
    assert [name for name, e in evaluations.items() if not e.passed] == ["res_partner"]
    assert evaluations["res_partner"].metadata["mode"].value == "full"
    assert "Replica differs from Odoo in local" in caplog.text and "- public.res_partner: 1 key range(s)" in caplog.text
    assert verify(replicated.endpoints, replicated.config, [replicated.config.table("public.res_partner")],
                  repair=True).equal
