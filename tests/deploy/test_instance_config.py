"""The Dagster instance: the deployed and the local dagster.yaml load through Dagster's own validation, share
run monitoring, pools and retention, and `deploy.prepare` sets the pool limits on a real instance in Postgres
and refuses the transaction pooler before touching anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance
from dagster._config import process_config
from dagster._core.definitions.run_request import InstigatorType
from dagster._core.instance.config import dagster_instance_config
from dagster._core.instance.ref import InstanceRef
from dagster._core.launcher import DefaultRunLauncher
from dagster._core.scheduler.instigation import TickStatus
from dagster_postgres.utils import pg_url_from_config

from dagster_project.deploy import instance, render
from dagster_project.deploy.pools import DBT_POOL, POOL_LIMITS, SUPERSET_POOL
from dagster_project.stack.local import LocalStack
from tests.deploy.compose import postgres_url

STORAGE_ENV = {"DAGSTER_PG_HOST": "db.abcdefghij.supabase.co", "DAGSTER_PG_PORT": "5432",
               "DAGSTER_PG_USER": "dagster", "DAGSTER_PG_PASSWORD": "pw-dagster", "DAGSTER_PG_DB": "dagster"}


@pytest.fixture()
def deploy_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in STORAGE_ENV.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "dagster.yaml").write_text(instance.DEPLOY_FILE.read_text())
    return tmp_path


def _validated_class_configs(ref: InstanceRef) -> dict[str, dict]:
    """Each configurable part's config processed by its own class's schema, env references resolved."""
    parts = {"storage": ref.storage_data, "run_launcher": ref.run_launcher_data,
             "run_coordinator": ref.run_coordinator_data, "compute_logs": ref.compute_logs_data,
             "local_artifact_storage": ref.local_artifact_storage_data}
    validated = {}
    for name, data in parts.items():
        klass = getattr(__import__(data.module_name, fromlist=[data.class_name]), data.class_name)
        result = process_config(klass.config_type(), yaml.safe_load(data.config_yaml) or {})
        assert result.success, f"{name}: {[e.message for e in result.errors]}"
        validated[name] = result.value
    return validated


def test_generated_files_match_their_specs() -> None:
    assert render.stale() == []  # else: python -m dagster_project.deploy.render


def test_the_deploy_instance_loads_through_dagster_validation(deploy_home: Path) -> None:
    config, _ = dagster_instance_config(str(deploy_home))
    assert config["storage"]["postgres"]["postgres_db"]["params"]["sslmode"] == "verify-full"
    parts = _validated_class_configs(InstanceRef.from_dir(str(deploy_home)))
    url = postgres_url(pg_url_from_config(parts["storage"]))  # what dagster-postgres connects with
    assert (url["host"], url["port"], url["user"], url["password"], url["database"]) == \
        ("db.abcdefghij.supabase.co", 5432, "dagster", "pw-dagster", "dagster")
    assert (url["params"]["sslmode"], url["params"]["sslrootcert"]) == ("verify-full", instance.POSTGRES_CA)
    # Runs are subprocesses of the code server: no Docker socket anywhere (docker-compose.yml mounts none).
    assert type(InstanceRef.from_dir(str(deploy_home)).run_launcher) is DefaultRunLauncher
    assert parts["compute_logs"]["base_dir"].startswith(instance.STORAGE_DIR)


def test_the_deploy_file_holds_no_credential() -> None:
    text = instance.DEPLOY_FILE.read_text()
    storage = yaml.safe_load(text)["storage"]["postgres"]["postgres_db"]
    assert {k: v for k, v in storage.items() if k != "params"} == \
        {field: {"env": variable} for field, variable in instance.STORAGE_VARIABLES.items()}
    assert "supabase.co" not in text and "password:" in text  # the field exists, only as an env reference


def test_local_and_deploy_share_monitoring_pools_queue_and_retention(tmp_path: Path) -> None:
    deployed = yaml.safe_load(instance.DEPLOY_FILE.read_text())
    local = yaml.safe_load(instance.write_local(tmp_path).read_text())
    shared = ("run_coordinator", "run_monitoring", "concurrency", "retention", "telemetry")
    assert {k: local[k] for k in shared} == {k: deployed[k] for k in shared}
    assert local["storage"] == {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}}
    assert "run_launcher" not in local  # local runs: the default launcher, a subprocess per run
    assert local["run_monitoring"]["free_slots_after_run_end_seconds"] > 0
    assert local["concurrency"]["pools"] == {"default_limit": 1, "granularity": "op"}


@pytest.mark.stack
def test_prepare_sets_the_pool_limits_on_the_local_instance(stack: LocalStack,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    home = stack.dagster_home
    instance.write_local(home)
    env = {**os.environ, **stack.env_values()}
    first = _prepare(home, env)
    assert first.returncode == 0, first.stderr
    assert "pool limits: dbt_warehouse=1, superset=2" in first.stderr

    monkeypatch.setenv("DAGSTER_PG_URL", stack.env_values()["DAGSTER_PG_URL"])
    with DagsterInstance.from_config(str(home)) as live:
        limits = {p.name: (p.limit, p.from_default) for p in live.event_log_storage.get_pool_limits()}
        assert limits[DBT_POOL] == (1, False) and limits[SUPERSET_POOL] == (2, False)
        assert live.run_monitoring_enabled
        assert live.run_monitoring_settings["free_slots_after_run_end_seconds"] == 30
        pools = live.get_concurrency_config().pool_config
        assert (pools.default_pool_limit, pools.pool_granularity.value) == (1, "op")
        sensor_ticks = live.get_tick_retention_settings(InstigatorType.SENSOR)
        assert (sensor_ticks[TickStatus.SKIPPED], sensor_ticks[TickStatus.SUCCESS]) == (1, 14)
        live.event_log_storage.set_concurrency_slots(SUPERSET_POOL, 7)  # changed by hand in the UI

    again = _prepare(home, env)  # the next start puts the configured limits back
    assert again.returncode == 0, again.stderr
    with DagsterInstance.from_config(str(home)) as live:
        limits = {p.name: p.limit for p in live.event_log_storage.get_pool_limits()}
    assert {k: limits[k] for k in POOL_LIMITS} == dict(POOL_LIMITS)


def test_prepare_refuses_the_transaction_pooler_before_connecting(deploy_home: Path) -> None:
    env = {**os.environ, **STORAGE_ENV, "DAGSTER_PG_HOST": "aws-0-eu-central-1.pooler.supabase.com",
           "DAGSTER_PG_PORT": "6543"}
    result = _prepare(deploy_home, env)
    assert result.returncode == 3
    assert result.stderr.startswith("error: DAGSTER_PG_HOST / DAGSTER_PG_PORT points at "
                                    "aws-0-eu-central-1.pooler.supabase.com:6543, Supabase's transaction pooler")
    assert "direct connection" in result.stderr and "pw-dagster" not in result.stderr
    assert sorted(p.name for p in deploy_home.iterdir()) == ["dagster.yaml"]  # nothing else was created


def _prepare(home: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dagster_project.deploy.prepare", "--dagster-home", str(home)],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
