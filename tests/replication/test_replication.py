"""Logical replication from a seeded Odoo database into a warehouse database on the real server.

One module-scoped source (scale 1) and warehouse; the tests run in file order and leave replication
healthy for the next one.
"""

from __future__ import annotations

import dataclasses
import json
import threading

import psycopg
import pytest
from dagster import (
    AssetKey,
    AutomationCondition,
    DagsterInstance,
    Definitions,
    SensorResult,
    asset,
    build_sensor_context,
    evaluate_automation_conditions,
)
from psycopg import sql
from psycopg.conninfo import make_conninfo

from dagster_project.odoo.generator.outcomes import SimulationReport
from dagster_project.odoo.generator.simulate import simulate
from dagster_project.replication import diagnosis, snapshot
from dagster_project.replication.assets import replicated_asset_specs
from dagster_project.replication.checks import lag_results
from dagster_project.replication.config import ReplicatedTable, ReplicationError
from dagster_project.replication.schema_sync import sync_schema
from dagster_project.replication.sensors import build_replication_sensor
from dagster_project.replication.setup import setup
from dagster_project.replication.status import ReplicationStatus, read_status, wait_caught_up
from dagster_project.resources.postgres import PostgresResource
from dagster_project.stack import secrets
from tests.replication.conftest import TODAY, Replicated, run_cli, wait_for

pytestmark = pytest.mark.stack
quiet = dict(progress=lambda _: None)


def test_setup_copies_every_table_then_changes_nothing(replicated: Replicated, monkeypatch, tmp_path) -> None:
    actions = " | ".join(replicated.first_setup.actions)
    assert replicated.first_setup.same_cluster
    assert "created publication odoo_changes with 23 tables" in actions
    assert "created replication slot repl_test" in actions and "created subscription repl_test" in actions
    source, replica = replicated.checksums()
    assert source == replica and len(source) == 23
    with replicated.warehouse() as wh:
        assert wh.execute("SELECT count(*) FROM account_move_line").fetchone()[0] > 40_000

    again = run_cli(replicated, monkeypatch, tmp_path, "replication", "setup", "--output", "json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["changed"] is False and json.loads(again.stdout)["actions"] == []
    text = run_cli(replicated, monkeypatch, tmp_path, "replication", "setup")
    assert "replication already set up; nothing changed" in text.stdout
    status = run_cli(replicated, monkeypatch, tmp_path, "replication", "status", "--output", "json")
    document = json.loads(status.stdout)
    assert status.exit_code == 0 and document["healthy"] and document["enabled"]
    assert set(document["tables"].values()) == {"ready"} and len(document["tables"]) == 23
    assert document["apply_error_count"] == 0 and document["retained_wal_bytes"] >= 0


def test_least_privilege(replicated: Replicated) -> None:
    with replicated.warehouse() as wh:
        grants = wh.execute("SELECT has_table_privilege('anon', 'public.account_move', 'SELECT'), "
                            "has_table_privilege('authenticated', 'public.res_partner', 'SELECT')").fetchone()
    assert grants == (False, False)
    with replicated.source() as src:
        src.execute("CREATE TABLE IF NOT EXISTS private_notes (id int PRIMARY KEY)")
        role = src.execute("SELECT rolsuper, rolreplication FROM pg_roles WHERE rolname = 'odoo_replicator'").fetchone()
        can = src.execute("SELECT has_table_privilege('odoo_replicator', 'public.account_move', 'SELECT'), "
                          "has_table_privilege('odoo_replicator', 'public.private_notes', 'SELECT')").fetchone()
    assert role == (False, True) and can == (True, False)


def test_inserts_updates_deletes_and_truncate_arrive(replicated: Replicated) -> None:
    before, _ = replicated.checksums()
    report = simulate(replicated.endpoints.source, events_per_second=40, duration=6, seed=11, today=TODAY,
                      weights={"rebuild_tax_links": 0.5})
    assert report.counts["create_draft"] and report.counts["edit_draft"] and report.counts["delete_draft"]
    assert report.counts["rebuild_tax_links"]  # TRUNCATE + refill of account_move_line_account_tax_rel
    source, replica = replicated.checksums()
    assert source == replica
    assert {t for t in source if source[t] != before[t]} >= {"account_move", "account_move_line"}
    with replicated.warehouse() as wh:
        deleted = report.touched["delete_draft"][0]
        assert wh.execute("SELECT count(*) FROM account_move WHERE id = %s", (deleted,)).fetchone()[0] == 0


def _apply_worker_pid(replicated: Replicated) -> int | None:
    with replicated.warehouse() as wh:
        row = wh.execute("SELECT pid FROM pg_stat_subscription WHERE subname = %s AND relid IS NULL",
                         (replicated.config.subscription,)).fetchone()
    return row[0] if row else None


def test_killed_worker_and_server_restart_lose_and_duplicate_nothing(replicated: Replicated) -> None:
    reports: list[SimulationReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            reports.append(simulate(replicated.endpoints.source, events_per_second=30, duration=10, seed=12,
                                    today=TODAY))
        except BaseException as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)

    runner = threading.Thread(target=run)
    runner.start()
    wait_for(lambda: _apply_worker_pid(replicated) is not None, what="the apply worker")
    threading.Event().wait(2)
    killed = _apply_worker_pid(replicated)
    with replicated.warehouse() as wh:
        assert wh.execute("SELECT pg_terminate_backend(%s)", (killed,)).fetchone()[0]
    threading.Event().wait(2)
    # A fast shutdown while simulate is mid-transaction and changes may be in flight; simulate reconnects.
    replicated.stack.postgres.stop()
    replicated.stack.postgres.start(progress=lambda _: None)
    replicated.stack.postgres.wait_ready(secrets.load_or_create(replicated.stack.state_dir)["postgres"])
    runner.join()
    assert errors == []
    assert reports[0].reconnects == 1 and sum(reports[0].counts.values()) > 100
    wait_for(lambda: _apply_worker_pid(replicated) not in (None, killed), what="a new apply worker")
    source, replica = replicated.checksums()
    assert source == replica


def test_column_added_mid_stream_stops_apply_until_sync_schema(replicated: Replicated) -> None:
    before = read_status(replicated.endpoints, replicated.config).apply_error_count
    with replicated.source() as src:
        src.execute("ALTER TABLE account_move ADD COLUMN x_review_note varchar(40)")
        src.execute("UPDATE account_move SET x_review_note = 'checked ' || id WHERE id <= 5")
    wait_for(lambda: read_status(replicated.endpoints, replicated.config).apply_error_count > before,
             what="the apply worker to stop on the missing column")
    # The failing worker leaves pg_stat_subscription a moment after its error is counted.
    readings: list[ReplicationStatus] = []

    def stalled() -> bool:
        readings.append(read_status(replicated.endpoints, replicated.config))
        return not readings[-1].healthy

    wait_for(stalled, what="status to report the stopped apply worker")
    stopped = next(problem for problem in readings[-1].problems if "apply worker is not running" in problem)
    assert "the replica's schema differs from Odoo's (public.account_move: column added (new column " \
        "x_review_note (character varying(40)))): run `hybrid replication sync-schema --env local`" in stopped

    report = sync_schema(replicated.endpoints, replicated.config, **quiet)
    assert [(c.kind, c.ddl) for c in report.applied] == [
        ("column_added", ('ALTER TABLE "public"."account_move" ADD COLUMN "x_review_note" character varying(40)',))]
    assert report.manual == [] and "refreshed subscription repl_test" in report.actions
    replicated.caught_up()
    with replicated.warehouse() as wh:
        notes = wh.execute("SELECT id, x_review_note FROM account_move WHERE id <= 5 ORDER BY id").fetchall()
    assert notes == [(i, f"checked {i}") for i in range(1, 6)]
    source, replica = replicated.checksums()
    assert source == replica


def test_a_table_taken_out_of_the_config_leaves_the_publication_and_keeps_its_copy(replicated: Replicated) -> None:
    with replicated.source() as src:
        src.execute("CREATE TABLE x_legacy (id int PRIMARY KEY, amount int, memo text, code int)")
        src.execute("INSERT INTO x_legacy VALUES (1, 10, 'a', 100), (2, 20, 'b', 200)")
    config = dataclasses.replace(replicated.config, tables=(*replicated.config.tables,
                                                            ReplicatedTable("public", "x_legacy", "x.legacy")))
    added = sync_schema(replicated.endpoints, config, **quiet)
    assert [c.kind for c in added.applied] == ["table_added"]
    setup(replicated.endpoints, config, **quiet)  # the replicator may read it; its rows are copied
    removed = setup(replicated.endpoints, replicated.config, **quiet)
    assert "removed from publication odoo_changes: public.x_legacy" in removed.actions
    assert "odoo_replicator may no longer read public.x_legacy (not replicated)" in removed.actions
    with replicated.warehouse() as wh:
        assert wh.execute("SELECT count(*) FROM x_legacy").fetchone() == (2,)  # kept until someone drops it
        wh.execute("DROP TABLE x_legacy")
    with replicated.source() as src:
        src.execute("DROP TABLE x_legacy")


LINK_TABLES = {"x_line_tag_rel": "line_id", "x_move_tag_rel": "move_id"}


def _link_sql(template: str, table: str) -> sql.Composed:
    return sql.SQL(template).format(table=sql.Identifier(table), key=sql.Identifier(LINK_TABLES[table]))


def test_tables_without_primary_key_replicate_updates_and_deletes(replicated: Replicated) -> None:
    with replicated.source() as src:
        src.execute("CREATE TABLE x_line_tag_rel (line_id int, tag_id int)")
        src.execute("CREATE TABLE x_move_tag_rel (move_id int NOT NULL, tag_id int NOT NULL)")
        src.execute("CREATE UNIQUE INDEX x_move_tag_rel_uniq ON x_move_tag_rel (move_id, tag_id)")
        for table in LINK_TABLES:
            src.execute(_link_sql("INSERT INTO {table} SELECT g, g % 7 FROM generate_series(1, 500) g", table))
    config = dataclasses.replace(replicated.config, tables=(
        *replicated.config.tables, ReplicatedTable("public", "x_line_tag_rel", "account.move.line", "tag_ids"),
        ReplicatedTable("public", "x_move_tag_rel", "account.move", "tag_ids")))
    report = setup(replicated.endpoints, config, **quiet)
    assert ("public.x_line_tag_rel has no primary key or unique NOT NULL index: replica identity set to FULL"
            in report.actions)
    assert "public.x_move_tag_rel has no primary key: replica identity set to unique index x_move_tag_rel_uniq" \
        in report.actions
    with replicated.source() as src:
        for table in LINK_TABLES:
            src.execute(_link_sql("UPDATE {table} SET tag_id = tag_id + 100 WHERE {key} % 3 = 0", table))
            src.execute(_link_sql("DELETE FROM {table} WHERE tag_id = 1", table))
    replicated.caught_up()
    for table in LINK_TABLES:
        query = _link_sql("SELECT md5(string_agg(t::text, ',' ORDER BY t::text)), count(*) FROM {table} t", table)
        with replicated.source() as src, replicated.warehouse() as wh:
            expected = src.execute(query).fetchone()
            assert wh.execute(query).fetchone() == expected and expected[1] < 500
    setup(replicated.endpoints, replicated.config, **quiet)


def test_disabled_subscription_turns_lag_red_and_status_nonzero(replicated: Replicated, monkeypatch,
                                                                 tmp_path) -> None:
    with replicated.warehouse() as wh:
        wh.execute("ALTER SUBSCRIPTION repl_test DISABLE")
    with replicated.source() as src:
        src.execute("UPDATE res_partner SET write_date = now() WHERE id = 1")
    status = read_status(replicated.endpoints, replicated.config)
    assert not status.enabled and not status.healthy
    assert any("repl_test is disabled" in p for p in status.problems)
    results = lag_results(status, replicated.config)
    assert len(results) == 23 and not any(r.passed for r in results)
    cli_status = run_cli(replicated, monkeypatch, tmp_path, "replication", "status")
    assert cli_status.exit_code == 1 and "UNHEALTHY" in cli_status.stdout

    healed = setup(replicated.endpoints, replicated.config, **quiet)
    assert healed.actions == ["enabled subscription repl_test"]
    replicated.caught_up()
    wait_for(lambda: read_status(replicated.endpoints, replicated.config).healthy, what="healthy status")
    assert all(r.passed for r in lag_results(read_status(replicated.endpoints, replicated.config),
                                             replicated.config))


def test_a_lost_slot_is_healed_by_setup(replicated: Replicated) -> None:
    with replicated.warehouse() as wh:
        wh.execute("ALTER SUBSCRIPTION repl_test DISABLE")
    with psycopg.connect(replicated.endpoints.replication, autocommit=True) as repl:
        wait_for(lambda: not repl.execute("SELECT active FROM pg_replication_slots WHERE slot_name = 'repl_test'")
                 .fetchone()[0], what="the slot to be released")
        repl.execute("SELECT pg_drop_replication_slot('repl_test')")
    with replicated.source() as src:
        src.execute("UPDATE res_partner SET city = 'Cebu' WHERE id <= 3")
    assert any("slot repl_test is missing" in p for p in read_status(replicated.endpoints, replicated.config).problems)
    healed = setup(replicated.endpoints, replicated.config, **quiet)
    assert healed.actions[0].startswith("dropped subscription repl_test: its slot repl_test was missing")
    source, replica = replicated.checksums()
    assert source == replica
    assert read_status(replicated.endpoints, replicated.config).healthy


def test_sensor_materializations_make_an_eager_downstream_asset_run(replicated: Replicated) -> None:
    @asset(deps=[AssetKey(["odoo", "account_move"])], automation_condition=AutomationCondition.eager())
    def open_invoices() -> None:
        """A downstream asset that must run whenever account_move's replica changes."""

    config = replicated.config
    defs = Definitions(assets=[*replicated_asset_specs(config, "local"), open_invoices])
    instance = DagsterInstance.ephemeral()
    sensor = build_replication_sensor(config)
    resources = {"warehouse": PostgresResource(dsn=replicated.endpoints.warehouse),
                 "odoo_replication": PostgresResource(dsn=replicated.endpoints.replication)}

    def tick(cursor: str | None) -> SensorResult:
        return sensor(build_sensor_context(instance=instance, cursor=cursor, resources=resources))

    first = tick(None)
    assert {e.asset_key.path[1] for e in first.asset_events} == {t.name for t in config.tables}
    baseline = evaluate_automation_conditions(defs=defs, instance=instance)
    assert tick(first.cursor).asset_events == []

    with replicated.source() as src:
        src.execute("UPDATE account_move SET write_date = '2099-01-01 08:00:00' WHERE id = 1")
        expected_rows = src.execute("SELECT count(*) FROM account_move").fetchone()[0]
    replicated.caught_up()
    events: list = []

    def moved() -> bool:
        events[:] = tick(first.cursor).asset_events
        return bool(events)

    wait_for(moved, what="the warehouse's table counters to move")
    assert [e.asset_key for e in events] == [AssetKey(["odoo", "account_move"])]
    metadata = events[0].metadata
    assert metadata["dagster/row_count"].value == expected_rows
    assert metadata["latest_write_date"].value == "2099-01-01 08:00:00"
    assert metadata["replication_lag_bytes"].value >= 0
    for event in events:
        instance.report_runless_asset_event(event)
    result = evaluate_automation_conditions(defs=defs, instance=instance, cursor=baseline.cursor)
    assert result.total_requested == 1
    assert result.get_requested_partitions(open_invoices.key) == {None}


def test_a_rotated_replication_password_is_named_as_the_cause(replicated: Replicated) -> None:
    """The fault test's case: the password changed on the Odoo server and in ODOO_REPLICATION_URL, but the
    subscription still holds the old one; status used to blame the worker and suggest sync-schema."""
    admin = replicated.stack.dsn("postgres", "postgres")
    old_password = secrets.load_or_create(replicated.stack.state_dir)["odoo_replicator"]
    rotated = dataclasses.replace(replicated.endpoints, replication=make_conninfo(
        replicated.endpoints.replication, password="rotated-pw-1"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("ALTER ROLE odoo_replicator PASSWORD 'rotated-pw-1'")
    try:
        with replicated.warehouse() as wh:  # the running worker keeps its session: make it reconnect
            wh.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_subscription WHERE subname = 'repl_test'")
        causes: list[str] = []

        def named() -> bool:
            status = read_status(rotated, replicated.config)
            causes[:] = [p for p in status.problems if "apply worker is not running" in p]
            return bool(causes)

        wait_for(named, what="status to report the stopped worker")
        assert "the subscription cannot connect to the Odoo server: it refused the password of user " \
               "odoo_replicator; fix: correct ODOO_REPLICATION_URL for 'local'" in causes[0]
        assert "sync-schema" not in causes[0] and "rotated-pw-1" not in causes[0]
        healed = setup(rotated, replicated.config, **quiet)
        assert any(a.startswith("subscription repl_test connection updated to") for a in healed.actions)
        assert wait_caught_up(rotated, replicated.config)
        wait_for(lambda: read_status(rotated, replicated.config).healthy, what="healthy after setup")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER ROLE odoo_replicator PASSWORD {}").format(sql.Literal(old_password)))
        setup(replicated.endpoints, replicated.config, **quiet)


def test_a_new_odoo_table_is_reported_with_the_line_to_add(replicated: Replicated, tmp_path) -> None:
    snapshot_file = tmp_path / "odoo-schema.local.json"
    snapshot.write(snapshot.take(replicated.endpoints.source), snapshot_file)
    with replicated.source() as src:
        src.execute("CREATE TABLE x_fleet_vehicle (id int PRIMARY KEY, name text)")
    with replicated.endpoints.connect("replication") as repl:
        found = diagnosis.unreplicated_tables(repl, replicated.config, "local", snapshot_file)
    assert found == {"public.x_fleet_vehicle": "  public.x_fleet_vehicle: x.fleet.vehicle"}
    with replicated.source() as src:
        src.execute("DROP TABLE x_fleet_vehicle")


@pytest.mark.parametrize("default", ["'legacy'", "now()"], ids=["constant", "volatile"])
def test_a_column_added_with_a_default_is_healed_by_copying_the_table_again(replicated: Replicated,
                                                                           default: str) -> None:
    """The fault test's silent defect: existing rows held the default on the source and NULL in the replica,
    and sync-schema said the tables matched. Under load, the heal copies the table again, online."""
    column = f"x_fault_{'flag' if default.startswith(chr(39)) else 'seen'}"
    reports: list[SimulationReport] = []
    runner = threading.Thread(target=lambda: reports.append(
        simulate(replicated.endpoints.source, events_per_second=30, duration=8, seed=31, today=TODAY)))
    runner.start()
    threading.Event().wait(2)
    with replicated.source() as src:
        src.execute(sql.SQL("ALTER TABLE account_move_line ADD COLUMN {} {} DEFAULT {}").format(
            sql.Identifier(column), sql.SQL("varchar" if "legacy" in default else "timestamptz"), sql.SQL(default)))
    report = sync_schema(replicated.endpoints, replicated.config, **quiet)
    runner.join()
    assert [(c.table, c.kind, c.recopy) for c in report.applied] == [("public.account_move_line", "column_added",
                                                                       True)]
    assert any(a.startswith("copied public.account_move_line again (") for a in report.actions)
    assert sum(reports[0].counts.values()) > 50  # the load ran through the heal
    count = sql.SQL("SELECT count(*), count({}) FROM account_move_line").format(sql.Identifier(column))
    replicated.caught_up()
    with replicated.source() as src, replicated.warehouse() as wh:
        on_source = src.execute(count).fetchone()
        assert wh.execute(count).fetchone() == on_source and on_source[0] == on_source[1]
    source, replica = replicated.checksums()
    assert source == replica


def test_a_needed_recopy_waits_for_a_running_subscription_and_loses_nothing(replicated: Replicated) -> None:
    """Refused before anything is applied; setup, which enables the subscription, adds the column and copies
    the table again."""
    with replicated.warehouse() as wh:
        wh.execute("ALTER SUBSCRIPTION repl_test DISABLE")
    with replicated.source() as src:
        src.execute("ALTER TABLE res_partner ADD COLUMN x_tier varchar DEFAULT 'bronze'")
    with pytest.raises(ReplicationError, match="public.res_partner must be copied again") as refused:
        sync_schema(replicated.endpoints, replicated.config, **quiet)
    assert "run `hybrid replication setup` first" in refused.value.fix
    with replicated.warehouse() as wh:
        assert wh.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'res_partner' "
                          "AND column_name = 'x_tier'").fetchone() == (0,)
    healed = setup(replicated.endpoints, replicated.config, **quiet)  # enables, adds the column, copies again
    assert "enabled subscription repl_test" in healed.actions
    assert any(a.startswith("copied public.res_partner again (") for a in healed.actions)
    source, replica = replicated.checksums()
    assert source == replica
