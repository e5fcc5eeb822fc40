"""After `simulate` changed Odoo's data (new, edited, posted, paid, cancelled and deleted documents), an
incremental dbt run leaves every mart exactly as a full refresh builds it, and touches only what changed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from dagster_project.odoo.generator.outcomes import SimulationReport
from dagster_project.odoo.generator.simulate import simulate
from tests.dbt import independent
from tests.dbt.helpers import MANILA_TODAY, MARTS, DbtResult, Warehouse, assert_succeeded, seeded_warehouse

pytestmark = pytest.mark.stack


class Runs:
    """Marts after the incremental run and after the full refresh that followed it."""

    def __init__(self, incremental: DbtResult, after_incremental: dict[str, Counter], full: DbtResult,
                 after_full: dict[str, Counter], simulation: SimulationReport, lines_before: int) -> None:
        self.incremental, self.after_incremental = incremental, after_incremental
        self.full, self.after_full = full, after_full
        self.simulation, self.lines_before = simulation, lines_before


@pytest.fixture(scope="module")
def warehouse(make_database, tmp_path_factory) -> Warehouse:
    return seeded_warehouse(make_database, "dbt_incremental", tmp_path_factory.mktemp("dbt-incr"), dt.date.today())


@pytest.fixture(scope="module")
def runs(warehouse: Warehouse) -> Runs:
    assert_succeeded(warehouse.dbt("run"))
    [(lines_before,)] = warehouse.rows("SELECT count(*) FROM warehouse.fct_journal_items")
    report = simulate(warehouse.dsn, events_per_second=60, duration=4, seed=7)
    incremental = warehouse.dbt("run")
    after_incremental = {mart: warehouse.mart(mart) for mart in MARTS}
    full = warehouse.dbt("run", "--full-refresh")
    return Runs(incremental, after_incremental, full, {mart: warehouse.mart(mart) for mart in MARTS},
                report, lines_before)


def test_simulation_changed_and_deleted_source_rows(runs: Runs) -> None:
    counts = runs.simulation.counts
    assert counts["payment"] > 0 and counts["post"] > 0 and counts["create_draft"] > 0
    assert counts["delete_draft"] + counts["edit_draft"] > 0, "deletes in the source are exercised"


def test_incremental_run_equals_full_refresh_for_every_mart(runs: Runs) -> None:
    assert_succeeded(runs.incremental)
    assert_succeeded(runs.full)
    for mart in MARTS:
        assert runs.after_incremental[mart] == runs.after_full[mart], mart
    assert sum(runs.after_full["fct_journal_items"].values()) != runs.lines_before


def test_incremental_run_merges_only_changed_items(runs: Runs) -> None:
    merged = runs.incremental.by_name()["fct_journal_items"]["adapter_response"]["rows_affected"]
    total = sum(runs.after_full["fct_journal_items"].values())
    assert 0 < merged < total * 0.05


def test_marts_after_incremental_run_equal_independent_sql(warehouse: Warehouse, runs: Runs) -> None:
    items = {row[0]: row for row in runs.after_incremental["fct_journal_items"]}
    [(source_lines,)] = warehouse.rows("SELECT count(*) FROM account_move_line WHERE account_id IS NOT NULL")
    assert len(items) == source_lines
    [(as_of,)] = warehouse.rows(MANILA_TODAY)
    expected_ar = {(c, p, b): r for c, p, b, r in warehouse.rows(independent.AGING, (as_of, "asset_receivable"))}
    ar = {(row[0], row[1], row[3]): row[4] for row in runs.after_incremental["ar_aging"]}
    assert ar == expected_ar
    expected_tb = {tuple(row[:3]): row[5:] for row in warehouse.rows(independent.TRIAL_BALANCE)}
    trial_balance = {(r[0], r[2], r[5]): (r[7], r[8], r[9]) for r in runs.after_incremental["trial_balance"]}
    assert trial_balance == expected_tb


def test_aging_as_of_an_earlier_date_equals_independent_sql(warehouse: Warehouse, runs: Runs) -> None:
    as_of = dt.date.today() - dt.timedelta(days=45)
    result = warehouse.dbt("run", "--select", "int_finance__open_items", "ar_aging", "ap_aging",
                           "--vars", f"{{as_of_date: {as_of.isoformat()}}}")
    assert_succeeded(result)
    for mart, account_type, sign in (("ar_aging", "asset_receivable", 1), ("ap_aging", "liability_payable", -1)):
        expected = {(c, p, b): sign * r for c, p, b, r in warehouse.rows(independent.AGING, (as_of, account_type))}
        rows = warehouse.mart(mart)
        assert {(r[0], r[1], r[3]): r[4] for r in rows} == expected, mart
        assert {r[7] for r in rows} == {as_of}
    bad = warehouse.dbt("run", "--select", "ar_aging", "--vars", "{as_of_date: 31/03/2026}")
    assert bad.returncode != 0
    assert "var as_of_date must be a date as YYYY-MM-DD, got '31/03/2026'" in bad.output
