"""Snapshot of the replication part of the code location: asset keys, groups, metadata, checks, sensor."""

from __future__ import annotations

import datetime as dt

from dagster import AssetKey, build_schedule_context

from dagster_project.definitions import defs
from dagster_project.odoo.schema import TABLES
from dagster_project.replication.config import load_config

EXPECTED_TABLES = sorted(t.name for t in TABLES)


def test_config_replicates_every_generated_table() -> None:
    assert sorted(t.name for t in load_config().tables) == EXPECTED_TABLES


def test_one_external_asset_per_replicated_table() -> None:
    graph = defs.resolve_asset_graph()
    keys = sorted(k.to_user_string() for k in graph.get_all_asset_keys() if k.path[0] == "odoo")
    assert keys == [f"odoo/{name}" for name in EXPECTED_TABLES]
    move = graph.get(AssetKey(["odoo", "account_move"]))
    assert not move.is_materializable and move.group_name == "odoo"
    assert move.metadata["odoo/model"] == "account.move"
    columns = {c.name: c.type for c in move.metadata["dagster/column_schema"].columns}
    assert columns["amount_total"] == "numeric" and columns["write_date"] == "timestamp without time zone"
    link = graph.get(AssetKey(["odoo", "account_move_line_account_tax_rel"]))
    assert (link.metadata["odoo/model"], link.metadata["odoo/field"]) == ("account.move.line", "tax_ids")


def test_four_checks_per_table_and_the_sensor() -> None:
    check_keys = {(k.asset_key.path[1], k.name) for k in defs.resolve_asset_graph().asset_check_keys
                  if k.asset_key.path[0] == "odoo"}
    assert check_keys == {(name, check) for name in EXPECTED_TABLES
                          for check in ("replication_lag", "schema_matches_source", "row_count_parity",
                                                      "replica_equals_source")}
    sensor = defs.resolve_sensor_def("odoo_replication_sensor")
    assert sensor.default_status.value == "RUNNING" and sensor.minimum_interval_seconds == 5
    assert set(sensor.required_resource_keys) == {"warehouse", "odoo_replication"}
    assert defs.resources["odoo_replication"].dsn.env_var_name == "ODOO_REPLICATION_URL_LOCAL"


def test_the_replica_is_verified_sampled_every_6_hours_and_fully_before_the_nightly_marts() -> None:
    schedules = {s.name: s for s in defs.schedules}
    sampled, full = schedules["replica_verify_sampled"], schedules["replica_verify_full"]
    assert {sampled.job_name, full.job_name} == {"replica_verify"}
    assert full.default_status.value == "RUNNING"  # when (before the nightly marts): test_schedule_calendar.py
    tick = full.evaluate_tick(build_schedule_context(scheduled_execution_time=dt.datetime(2026, 3, 15, 1)))
    assert tick.run_requests[0].run_config == {"ops": {"odoo_replica_verify": {"config": {"full": True}}}}
    job = defs.resolve_job_def("replica_verify")
    assert job.has_node_named("odoo_replica_verify")
