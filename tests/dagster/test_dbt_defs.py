"""The dbt part of the loaded code location: lineage from Odoo to every mart, keys and groups by layer,
dbt tests as asset checks, eager automation, the nightly rebuild and the connection helper."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    AssetMaterialization,
    AutomationCondition,
    DagsterInstance,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    build_schedule_context,
    evaluate_automation_conditions,
)
from dagster_dbt import DbtCliResource, DbtProject

from dagster_project.config.matrix import MissingVariable, load_matrix
from dagster_project.dbt.assets import ASSETS_NAME, DbtBuildConfig
from dagster_project.dbt.defs import dbt_definitions
from dagster_project.dbt.env import DbtEnvError, dbt_env, dbt_environment
from dagster_project.dbt.manifest import DBT_PROJECT_DIR
from dagster_project.dbt.project import manifest_path
from dagster_project.dbt.ties import TIE_TESTS
from dagster_project.definitions import defs
from dagster_project.live.defs import CHECK as LIVE_CHECK
from dagster_project.warehouse.defs import CHECK as SCHEMA_CHECK

GRAPH = defs.resolve_asset_graph()
LINES = AssetKey(["odoo", "account_move_line"])
MARTS = {"dim_company", "dim_partner", "dim_account", "dim_journal", "dim_currency", "fct_journal_items",
         "fct_invoices", "ar_aging", "ap_aging", "revenue_monthly", "trial_balance", "expenses_monthly",
         "income_statement_monthly", "cash_position", "ocr_bill_matching", "fct_open_items_month_end"}
MANIFEST = json.loads(manifest_path().read_text())
DBT_KEYS = {AssetKey([n["schema"], n["name"]]) for n in MANIFEST["nodes"].values() if n["resource_type"] == "model"}
MODELS = {n["name"]: n["config"]["materialized"] for n in MANIFEST["nodes"].values() if n["resource_type"] == "model"}


def upstream(key: AssetKey) -> set[AssetKey]:
    """Every ancestor of `key` in the loaded asset graph, external (odoo/...) ones included."""
    seen: set[AssetKey] = set()
    todo = list(GRAPH.get(key).parent_keys)
    while todo:
        parent = todo.pop()
        if parent not in seen:
            seen.add(parent)
            todo.extend(GRAPH.get(parent).parent_keys)
    return seen


def test_lineage_runs_from_odoo_move_lines_to_every_mart_that_reads_them() -> None:
    reading_lines = {key.path[1] for key in DBT_KEYS if key.path[0] == "warehouse" and LINES in upstream(key)}
    assert reading_lines == {"fct_journal_items", "trial_balance", "ar_aging", "ap_aging", "expenses_monthly",
                             "income_statement_monthly", "cash_position", "fct_open_items_month_end"}
    assert GRAPH.get(LINES).child_keys == {AssetKey(["analytics", "stg_odoo__account_move_lines"])}
    path = upstream(AssetKey(["warehouse", "ar_aging"]))
    assert {AssetKey(["analytics", "stg_odoo__account_move_lines"]), AssetKey(["warehouse", "fct_journal_items"]),
            AssetKey(["analytics", "int_finance__open_items"])} <= path


def test_every_mart_traces_back_to_replicated_odoo_tables() -> None:
    replicated = {key for key in GRAPH.get_all_asset_keys() if key.path[0] == "odoo"}
    assert all(GRAPH.get(key).is_external for key in replicated)
    for mart in MARTS:
        sources = {key for key in upstream(AssetKey(["warehouse", mart])) if key.path[0] == "odoo"}
        assert sources and sources <= replicated, mart


def test_models_are_keyed_and_grouped_by_layer() -> None:
    assert {key.path[0] for key in DBT_KEYS} == {"analytics", "warehouse"}
    assert {key.path[1] for key in DBT_KEYS if key.path[0] == "warehouse"} == MARTS
    assert AssetKey(["analytics", "stg_odoo__account_moves"]) in DBT_KEYS
    for key in DBT_KEYS:
        assert GRAPH.get(key).group_name == key.path[0], key
    assert DBT_KEYS <= GRAPH.get_all_asset_keys()


def test_dbt_tests_are_asset_checks_including_the_business_tests() -> None:
    dbt_checks = {check for check in GRAPH.asset_check_keys
                  if check.asset_key in DBT_KEYS and check.name not in (LIVE_CHECK, SCHEMA_CHECK)}
    tests = [n for n in MANIFEST["nodes"].values() if n["resource_type"] == "test"]
    live = {check.asset_key for check in GRAPH.asset_check_keys if check.name == LIVE_CHECK}
    assert live == {key for key in DBT_KEYS if MODELS[key.path[1]] != "view"} and len(live) == 19
    schema = {check.asset_key for check in GRAPH.asset_check_keys if check.name == SCHEMA_CHECK}
    assert schema == {key for key in DBT_KEYS if key.path[0] == "warehouse"} | {
        AssetKey(["ocr", t]) for t in ("documents", "invoices", "invoice_lines")}  # every mart and OCR table
    assert len(dbt_checks) == len(tests) > 200
    names = {(check.asset_key.path[1], check.name) for check in dbt_checks}
    assert {("trial_balance", "assert_trial_balance_sums_to_zero"),
            ("ar_aging", "assert_ar_aging_matches_open_receivables"),
            ("ap_aging", "assert_ap_aging_matches_open_payables"),
            ("fct_invoices", "assert_invoice_totals_equal_line_sums"),
            ("fct_open_items_month_end", "assert_month_end_positions_match_open_items")} <= names
    # The tie-out tests, named as dagster_project.dbt.ties expects them, on the marts they tie.
    assert {(mart, name) for mart, name in names if name in TIE_TESTS} == {
        ("income_statement_monthly", "assert_income_statement_ties_to_trial_balance"),
        ("revenue_monthly", "assert_revenue_ties_to_the_ledger"),
        ("income_statement_monthly", "assert_expenses_tie_to_the_ledger")}


def test_models_update_eagerly_through_a_sensor_stopped_while_the_live_path_runs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for key in DBT_KEYS:
        assert GRAPH.get(key).automation_condition == AutomationCondition.eager(), key
    sensor = next(s for s in defs.sensors if s.name == "dbt_eager_automation")
    assert sensor.default_status == DefaultSensorStatus.STOPPED, "the live worker is the marts' one writer"
    assert sensor.asset_selection.resolve(GRAPH) == DBT_KEYS
    monkeypatch.setenv("HYBRID_LIVE_MARTS", "off")
    [eager] = dbt_definitions(load_matrix().resolve("local")).sensors
    assert eager.default_status == DefaultSensorStatus.RUNNING


def test_new_move_lines_request_exactly_the_models_downstream_of_them() -> None:
    instance = DagsterInstance.ephemeral()
    everything = [key for key in GRAPH.get_all_asset_keys() if key.path[0] == "odoo"] + sorted(DBT_KEYS)
    for key in everything:
        instance.report_runless_asset_event(AssetMaterialization(key))
    settled = evaluate_automation_conditions(defs=defs, instance=instance)
    instance.report_runless_asset_event(AssetMaterialization(LINES))
    tick = evaluate_automation_conditions(defs=defs, instance=instance, cursor=settled.cursor)
    requested = {key for key in DBT_KEYS if tick.get_num_requested(key)}
    assert requested == {key for key in DBT_KEYS if LINES in upstream(key)}
    assert AssetKey(["warehouse", "ar_aging"]) in requested and AssetKey(["warehouse", "dim_company"]) not in requested


def test_nightly_schedule_fully_refreshes_every_model_at_two_in_manila() -> None:
    schedule = next(s for s in defs.schedules if s.name == "nightly_marts")
    assert schedule.default_status == DefaultScheduleStatus.RUNNING
    assert schedule.target.resolvable_to_job.selection.resolve(GRAPH) == DBT_KEYS
    tick = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=dt.datetime(2026, 3, 15, 2)))
    [request] = tick.run_requests
    assert request.run_config["ops"] == {ASSETS_NAME: {"config": {"full_refresh": True}}}
    assert DbtBuildConfig().full_refresh is False


def test_definitions_load_the_prepared_manifest_without_running_dbt(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("dbt must not run while definitions load")

    monkeypatch.setattr(DbtCliResource, "cli", refuse)
    loaded = dbt_definitions(load_matrix().resolve("local"))
    assert {key for a in loaded.assets for key in a.keys} == DBT_KEYS


def test_a_checkout_without_a_manifest_parses_once(tmp_path: Path) -> None:
    copy = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    project = DbtProject(project_dir=copy, profiles_dir=copy)
    assert not project.manifest_path.exists()
    parsed = json.loads(manifest_path(project).read_text())
    assert parsed["metadata"]["project_name"] == MANIFEST["metadata"]["project_name"]
    assert set(parsed["nodes"]) == set(MANIFEST["nodes"])


def test_dbt_connection_variables_come_from_the_matrix_dsn() -> None:
    matrix = load_matrix()
    url = "postgresql://analyst:p%40ss%3Aword@db.example.com:6543/warehouse?sslmode=require"
    assert dbt_env(matrix.resolve("staging"), {"SUPABASE_DBT_URL_STAGING": url}) == {
        "DBT_TARGET": "staging", "DBT_HOST": "db.example.com", "DBT_PORT": "6543", "DBT_USER": "analyst",
        "DBT_PASSWORD": "p@ss:word", "DBT_DBNAME": "warehouse", "DBT_SSLMODE": "require"}
    keywords = "host=127.0.0.1 port=54322 user=postgres password=secret dbname=postgres"
    derived = dbt_env(matrix.resolve("dev"), {"SUPABASE_DBT_URL_LOCAL": keywords})
    assert (derived["DBT_TARGET"], derived["DBT_PORT"], derived["DBT_SSLMODE"]) == ("local", "54322", "prefer")


def test_dbt_connection_errors_name_the_variable_and_the_fix() -> None:
    production = load_matrix().resolve("prod")
    with pytest.raises(MissingVariable, match="SUPABASE_DBT_URL_PRODUCTION.*export SUPABASE_DBT_URL_PRODUCTION"):
        dbt_env(production, {})
    with pytest.raises(DbtEnvError, match="SUPABASE_DBT_URL_PRODUCTION is not a valid .*fix: set it to postgresql://"):
        dbt_env(production, {"SUPABASE_DBT_URL_PRODUCTION": "postgresql://a b c"})


def test_dbt_environment_is_set_for_the_run_and_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPABASE_DBT_URL_STAGING", "postgresql://u:pw@staging.example.com:5432/wh")
    monkeypatch.delenv("DBT_HOST", raising=False)
    with dbt_environment(load_matrix().resolve("staging")):
        assert (os.environ["DBT_HOST"], os.environ["DBT_PASSWORD"]) == ("staging.example.com", "pw")
    assert "DBT_HOST" not in os.environ
