"""The local stack through the real CLI: up, up again, down, up, with the seeded data still there."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from dagster_project import paths
from dagster_project.config.dotenv import read_env_file
from dagster_project.odoo.checksums import table_checksums
from dagster_project.stack.scratch import free_port, scratch_state_dir

HYBRID = [sys.executable, "-m", "dagster_project.cli"]


@pytest.fixture()
def cli_env() -> Iterator[dict[str, str]]:
    state = scratch_state_dir("lifecycle-")
    # HYBRID_STATE_DIR alone: the stack keeps its env file there and never touches the project's.
    env = {**os.environ, "HYBRID_STATE_DIR": str(state), "HYBRID_PG_PORT": str(free_port())}
    env.pop("HYBRID_ENV_FILE", None)
    for key in [k for k in env if k.endswith("_LOCAL")]:
        del env[key]  # only what the stack writes may be used
    project_env = paths.PROJECT_ROOT / ".env.local"
    before = project_env.read_bytes() if project_env.exists() else None
    try:
        yield env
    finally:
        hybrid(env, "stack", "down")
        shutil.rmtree(state, ignore_errors=True)
    assert (project_env.read_bytes() if project_env.exists() else None) == before


def env_file(env: dict[str, str]) -> Path:
    return Path(env["HYBRID_STATE_DIR"]) / ".env.local"


def hybrid(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HYBRID, *args], env=env, capture_output=True, text=True, timeout=600, check=False)


def status(env: dict[str, str]) -> dict[str, dict]:
    result = hybrid(env, "stack", "status", "--output", "json")
    return {s["name"]: s for s in json.loads(result.stdout)["services"]} | {"_rc": {"rc": result.returncode}}


def odoo_state(env: dict[str, str]) -> tuple[int, dict[str, str]]:
    dsn = read_env_file(env_file(env))["ODOO_DB_URL_LOCAL"]
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM account_move_line").fetchone()
        return int(row[0]), table_checksums(conn)


def test_up_up_down_up_keeps_the_seeded_data(cli_env: dict[str, str]) -> None:
    first = hybrid(cli_env, "stack", "up", "--no-dagster", "--no-superset")
    assert first.returncode == 0, first.stderr
    assert "created database odoo_local" in first.stderr
    port = cli_env["HYBRID_PG_PORT"]
    written = read_env_file(env_file(cli_env))
    assert written["ODOO_DB_URL_LOCAL"].endswith(f"@127.0.0.1:{port}/odoo_local")
    assert written["SUPABASE_DB_URL_LOCAL"].startswith("postgresql://postgres:")
    assert [written[f"SUPABASE_{job}_URL_LOCAL"].split(":")[1] for job in ("DBT", "OCR", "OPS")] == \
        ["//dbt", "//ocr", "//ops"]  # each job its own role
    assert written["SUPERSET_META_DB_URL_LOCAL"].endswith("/superset_meta")
    assert oct(env_file(cli_env).stat().st_mode & 0o777) == "0o600"

    seeded = hybrid(cli_env, "odoo", "seed", "--scale", "1", "--seed", "3", "--today", "2026-06-30")
    assert seeded.returncode == 0, seeded.stderr
    lines_before, sums_before = odoo_state(cli_env)
    assert lines_before > 40_000

    again = hybrid(cli_env, "stack", "up", "--no-dagster", "--no-superset")
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stderr and "created" not in again.stderr
    assert read_env_file(env_file(cli_env)) == written  # same passwords, same DSNs

    services = status(cli_env)
    assert services["_rc"]["rc"] == 0
    assert services["postgres"]["state"] == "running"
    assert services["postgres"]["url"] == f"postgresql://127.0.0.1:{port}"
    assert services["odoo-db"]["dsn"] == f"postgresql://odoo:***@127.0.0.1:{port}/odoo_local"
    assert all(services[name]["state"] == "running" for name in ("odoo-db", "warehouse", "superset-meta"))

    assert hybrid(cli_env, "stack", "down").returncode == 0
    stopped = status(cli_env)
    assert stopped["_rc"]["rc"] == 1 and stopped["postgres"]["state"] == "stopped"

    assert hybrid(cli_env, "stack", "up", "--no-dagster", "--no-superset").returncode == 0
    assert odoo_state(cli_env) == (lines_before, sums_before)

    skipped = hybrid(cli_env, "odoo", "seed", "--if-empty")
    assert skipped.returncode == 0 and "nothing to do" in skipped.stderr
    assert odoo_state(cli_env) == (lines_before, sums_before)


def test_wal_level_and_replication_room(stack) -> None:
    with psycopg.connect(stack.dsn("postgres", "postgres")) as conn:
        settings = dict(conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_replication_slots', "
            "'max_wal_senders', 'max_slot_wal_keep_size', 'listen_addresses', 'server_version_num')"
        ).fetchall())
        schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace").fetchall()}
        databases = dict(conn.execute(
            "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE NOT datistemplate").fetchall())
    assert settings["wal_level"] == "logical"
    assert int(settings["max_replication_slots"]) >= 10 and int(settings["max_wal_senders"]) >= 10
    assert int(settings["max_slot_wal_keep_size"]) > 0
    assert settings["listen_addresses"] == "127.0.0.1"
    assert int(settings["server_version_num"]) >= 170000
    assert {"public", "analytics", "warehouse", "ocr", "ops"} <= schemas
    expected = {"postgres": "postgres", "odoo_local": "odoo", "superset_meta": "superset", "dagster": "dagster"}
    assert {name: databases.get(name) for name in expected} == expected  # tests may have added others


def test_server_runs_as_an_unprivileged_user(stack) -> None:
    pid = stack.postgres.state().pid
    assert pid is not None
    uid = Path(f"/proc/{pid}").stat().st_uid
    assert uid != 0


def test_stale_pid_file_is_cleared_with_a_message(cli_env: dict[str, str]) -> None:
    assert hybrid(cli_env, "stack", "up", "--no-dagster", "--no-superset").returncode == 0
    assert hybrid(cli_env, "stack", "down").returncode == 0
    pid_file = Path(cli_env["HYBRID_STATE_DIR"]) / "pg" / "data" / "postmaster.pid"
    pid_file.write_text(f"{2**22 - 1}\n/nonexistent\n0\n{cli_env['HYBRID_PG_PORT']}\n")
    result = hybrid(cli_env, "stack", "up", "--no-dagster", "--no-superset")
    assert result.returncode == 0, result.stderr
    assert "removed a stale postmaster.pid" in result.stderr
    assert status(cli_env)["postgres"]["state"] == "running"


def test_taken_port_is_refused_with_the_fix(cli_env: dict[str, str]) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(cli_env["HYBRID_PG_PORT"])))
        squatter.listen()
        result = hybrid(cli_env, "stack", "up", "--no-dagster", "--no-superset")
    assert result.returncode == 4
    assert f"port 127.0.0.1:{cli_env['HYBRID_PG_PORT']} is already taken" in result.stderr
    assert "HYBRID_PG_PORT" in result.stderr
