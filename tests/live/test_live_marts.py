"""The live path against a real warehouse: after the simulator changed Odoo's data (new, edited, posted,
paid, cancelled and deleted documents), the worker's batches leave every dbt table exactly as a full
`dbt build --full-refresh` of the same data builds it, having rebuilt only the keys the changes touched."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from dagster import AssetKey, Definitions, build_sensor_context

from dagster_project.config.matrix import load_matrix
from dagster_project.live import changes
from dagster_project.live.catalog import Catalog, load_catalog
from dagster_project.live.defs import CHECK, build_freshness_sensor, build_verify_checks, live_definitions
from dagster_project.live.verify import verify
from dagster_project.live.worker import run
from dagster_project.odoo.generator.simulate import simulate
from dagster_project.resources.postgres import PostgresResource
from tests.dbt.helpers import MARTS, Warehouse, assert_succeeded, seeded_warehouse

pytestmark = pytest.mark.stack
HYBRID = str(Path(sys.executable).parent / "hybrid")


@pytest.fixture(scope="module")
def warehouse(make_database, tmp_path_factory) -> Warehouse:
    warehouse = seeded_warehouse(make_database, "live_marts", tmp_path_factory.mktemp("live"), dt.date.today())
    assert_succeeded(warehouse.dbt("run"))
    return warehouse


@pytest.fixture(scope="module")
def catalog(warehouse: Warehouse) -> Catalog:
    assert warehouse.dbt("compile", "--full-refresh", "--quiet").returncode == 0
    catalog = load_catalog(warehouse.target / "manifest.json")
    with psycopg.connect(warehouse.dsn, autocommit=True) as conn:
        installed = changes.install(conn, catalog.sources, "dbt", "ops")
    assert "public.account_move_line" in installed and "public.res_partner" in installed
    return catalog


def _marts(warehouse: Warehouse) -> dict[str, Counter]:
    return {mart: warehouse.mart(mart) for mart in MARTS}


def test_the_catalog_orders_the_tables_and_knows_their_keys(catalog: Catalog) -> None:
    names = [model.name for model in catalog.models]
    assert names.index("fct_journal_items") < names.index("int_finance__open_items") < names.index("ar_aging")
    models = catalog.by_name()
    assert models["ar_aging"].key == ("company_id", "partner_id")
    assert "public.res_partner" in models["ar_aging"].keyed_sources
    assert "public.account_move_line" in models["trial_balance"].upstream_sources
    assert not models["ocr_bill_matching"].key, "rebuilt whole: no key declared"


def test_the_live_tables_equal_a_full_build_after_a_simulated_day(warehouse: Warehouse, catalog: Catalog) -> None:
    with psycopg.connect(warehouse.dsn) as conn:
        run_first = run(warehouse.dsn, catalog, once=True, progress=lambda _: None)  # the daily rebuild
        assert run_first == 1
        stop, lines = threading.Event(), []
        worker = threading.Thread(target=run, args=(warehouse.dsn, catalog),
                                  kwargs={"stop": stop, "progress": lines.append, "poll_s": 0.2})
        worker.start()
        try:
            report = simulate(warehouse.dsn, events_per_second=60, duration=4, seed=11)
        finally:
            stop.set()
            worker.join(timeout=120)
        run(warehouse.dsn, catalog, once=True, progress=lines.append)  # whatever the last batch left
        assert conn.execute("SELECT count(*) FROM live.changes").fetchone()[0] == 0
        batches = conn.execute("SELECT changes, full_refresh, models FROM live.refreshes ORDER BY id").fetchall()
    differences = [d for d in verify(warehouse.dsn, catalog) if not d.equal]
    counts = report.counts
    assert counts["post"] > 0 and counts["payment"] > 0 and counts["delete_draft"] + counts["edit_draft"] > 0
    assert differences == []
    keyed = [b for b in batches[1:] if not b[1]]
    assert keyed and sum(b[0] for b in keyed) > 0
    assert all(b[2]["fct_journal_items"]["mode"] == "keyed" for b in keyed if "fct_journal_items" in b[2])
    assert max(b[2].get("fct_journal_items", {}).get("rows", 0) for b in keyed) < 2000, "only touched items"
    live = _marts(warehouse)
    assert_succeeded(warehouse.dbt("run", "--full-refresh"))
    full = _marts(warehouse)
    for mart in MARTS:
        assert live[mart] == full[mart], mart


def test_dagster_observes_the_batches_and_checks_every_table_against_a_full_build(
        warehouse: Warehouse, catalog: Catalog, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    run(warehouse.dsn, catalog, once=True, progress=lambda _: None)  # the rebuild the last dbt run asked for
    with psycopg.connect(warehouse.dsn, autocommit=True) as conn:
        conn.execute("UPDATE public.account_move_line SET write_date = now() WHERE id = (SELECT min(id) FROM "
                     "public.account_move_line WHERE parent_state = 'posted')")
    run(warehouse.dsn, catalog, once=True, progress=lambda _: None)
    with psycopg.connect(warehouse.dsn) as conn:
        [(batch_id, last_change)] = conn.execute("SELECT id, last_change FROM live.refreshes ORDER BY id DESC "
                                                 "LIMIT 1").fetchall()
    sensor = build_freshness_sensor()
    result = sensor(build_sensor_context(cursor=str(batch_id - 1),
                                         resources={"warehouse": PostgresResource(dsn=warehouse.dsn)}))
    observed = {event.asset_key: event.metadata for event in result.asset_events}
    assert result.cursor == str(batch_id)
    items = observed[AssetKey(["warehouse", "fct_journal_items"])]
    assert items["live/last_change"].value == last_change and items["live/mode"].value == "keyed"
    assert items["live/rows"].value >= 1 and items["live/lag_seconds"].value >= 0

    with psycopg.connect(warehouse.dsn, autocommit=True) as conn:  # someone edits a live table by hand
        conn.execute("UPDATE warehouse.ar_aging SET residual_amount = residual_amount + 1 WHERE ctid = "
                     "(SELECT min(ctid) FROM warehouse.ar_aging)")
    monkeypatch.setenv("SUPABASE_DBT_URL_LOCAL", warehouse.dsn)
    monkeypatch.setenv("HYBRID_STATE_DIR", str(tmp_path))
    env = load_matrix().resolve("local")
    definitions = Definitions.merge(live_definitions(env), Definitions(
        resources={"dbt_warehouse": PostgresResource(dsn=warehouse.dsn),
                   "warehouse": PostgresResource(dsn=warehouse.dsn)}))
    outcome = definitions.resolve_job_def("live_verify").execute_in_process(raise_on_error=False)
    evaluations = {e.asset_key: e for e in outcome.get_asset_check_evaluations()}
    assert len(evaluations) == len(catalog.models)
    failed = {key for key, e in evaluations.items() if not e.passed}
    assert failed == {AssetKey(["warehouse", "ar_aging"])}
    assert evaluations[AssetKey(["warehouse", "ar_aging"])].metadata["extra_rows"].value == 1
    assert all(e.check_name == CHECK for e in evaluations.values())
    assert build_verify_checks(env).check_keys


def test_a_dbt_run_makes_the_next_batch_rebuild_every_table(warehouse: Warehouse, catalog: Catalog) -> None:
    """dbt read an older snapshot than the batches it may have overwritten: its on-run-end hook records the
    run, and the worker rebuilds every table from the replica as it is now."""
    assert_succeeded(warehouse.dbt("run", "--select", "dim_company"))
    with psycopg.connect(warehouse.dsn) as conn:
        assert conn.execute("SELECT source, kind FROM live.changes").fetchall() == [("dbt", "table")]
    assert run(warehouse.dsn, catalog, once=True, progress=lambda _: None) == 1
    with psycopg.connect(warehouse.dsn) as conn:
        full, models = conn.execute("SELECT full_refresh, models FROM live.refreshes ORDER BY id DESC LIMIT 1"
                                    ).fetchone()
    assert full and {info["mode"] for info in models.values()} == {"full"} and len(models) == len(catalog.models)
    assert [d for d in verify(warehouse.dsn, catalog) if not d.equal] == []


def _hybrid(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([HYBRID, "live", *args, "--env", "local"], env=env, capture_output=True, text=True,
                          timeout=600, check=False)


def test_the_cli_sets_up_runs_reports_and_verifies(warehouse: Warehouse, stack, make_database, tmp_path) -> None:
    empty = make_database("live_cli_empty")
    base = {**os.environ, "HYBRID_STATE_DIR": str(tmp_path), "HYBRID_ENV_FILE": str(tmp_path / "absent.env")}
    roles = ("SUPABASE_DB_URL_LOCAL", "SUPABASE_DBT_URL_LOCAL", "SUPABASE_OCR_URL_LOCAL", "SUPABASE_OPS_URL_LOCAL")
    unset = _hybrid({**base, **dict.fromkeys(roles, empty)}, "status")
    assert unset.returncode == 1 and "not set up: hybrid live setup --env local" in unset.stdout
    refused = _hybrid({**base, **dict.fromkeys(roles, empty)}, "run", "--once")
    assert refused.returncode == 3 and "fix: hybrid live setup" in refused.stderr
    unbuilt = {**base, **dict.fromkeys(roles, empty), "SUPABASE_DB_URL_LOCAL": stack.dsn("postgres", "live_cli_empty")}
    assert _hybrid(unbuilt, "setup").returncode == 0
    refused = _hybrid(unbuilt, "run", "--once")
    assert refused.returncode == 3 and "fix: dbt build" in refused.stderr, refused.stderr

    env = {**base, **dict.fromkeys(roles, warehouse.dsn),
           "SUPABASE_DB_URL_LOCAL": stack.dsn("postgres", "live_marts")}
    done = _hybrid(env, "setup", "--output", "json")
    assert done.returncode == 0, done.stderr
    assert "public.account_move_line" in json.loads(done.stdout)["triggers"]
    with psycopg.connect(warehouse.dsn, autocommit=True) as conn:
        conn.execute("UPDATE public.res_partner SET name = name || ' (renamed)' WHERE id = (SELECT min(partner_id) "
                     "FROM warehouse.ar_aging WHERE partner_id IS NOT NULL)")
    caught_up = _hybrid(env, "run", "--once")
    assert caught_up.returncode == 0, caught_up.stderr
    assert "keeping 19 tables live" in caught_up.stderr and "changes " in caught_up.stderr
    status = json.loads(_hybrid(env, "status", "--output", "json").stdout)
    assert status["installed"] and status["pending"] == 0 and status["last_batch"]["changes"] >= 1
    verified = _hybrid(env, "verify", "--output", "json")
    assert verified.returncode == 0 and json.loads(verified.stdout)["equal"]
    renamed = warehouse.rows("SELECT count(*) FROM warehouse.ar_aging WHERE partner_name LIKE '%% (renamed)'")
    assert renamed[0][0] >= 1, "the partner's new name reached the aging mart"
