"""`hybrid health` against the real local stack: skipped is not failed, a dead DSN names its variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from dagster_project.stack.scratch import free_port

HEALTH = [sys.executable, "-m", "dagster_project.cli", "health", "--output", "json", "--timeout", "2"]


def run_health(env: dict[str, str], *args: str) -> tuple[int, dict]:
    result = subprocess.run([*HEALTH, *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    return result.returncode, json.loads(result.stdout)


def by_check(report: dict) -> dict[tuple[str, str], dict]:
    return {(c["service"], c["check"]): c for c in report["checks"]}


def test_local_health_reports_each_check(stack) -> None:
    # A dead Superset port: its web check must fail, and so the exit status is 1. The healthy case,
    # against the real Superset of the test session, is tests/superset/test_superset_health.py.
    env = {**os.environ, "SUPERSET_URL_LOCAL": f"http://127.0.0.1:{free_port()}"}
    rc, report = run_health(env, "--env", "dev")
    checks = by_check(report)
    assert report["env"] == "local"
    assert checks["odoo", "web"]["status"] == "skipped"
    assert "no Odoo web server" in checks["odoo", "web"]["detail"]
    assert checks["odoo", "database"]["status"] == "ok"
    assert checks["supabase", "warehouse"]["status"] == "ok"
    assert checks["superset", "metadata database"]["status"] == "ok"
    assert checks["superset", "web"]["status"] == "failed"
    assert "ConnectError" in checks["superset", "web"]["detail"]
    assert report["healthy"] is False and rc == 1
    assert "***" in checks["supabase", "warehouse"]["target"]  # passwords never printed


def test_dead_warehouse_connection_names_the_variable(stack) -> None:
    env = {**os.environ, "SUPABASE_OPS_URL_LOCAL": f"postgresql://ops:pw@127.0.0.1:{free_port()}/postgres"}
    rc, report = run_health(env)
    check = by_check(report)["supabase", "warehouse"]
    assert rc == 1 and check["status"] == "failed"
    assert "SUPABASE_OPS_URL_LOCAL" in check["detail"] and "pw@" not in json.dumps(report)


def test_missing_variable_for_staging_is_a_named_failure() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_STAGING")}
    rc, report = run_health(env, "--env", "staging")
    check = by_check(report)["supabase", "warehouse"]
    assert rc == 1
    assert "SUPABASE_OPS_URL_STAGING" in check["detail"] and "is not set" in check["detail"]


def test_unknown_environment_exits_3() -> None:
    result = subprocess.run([*HEALTH, "--env", "qa"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 3
    assert "unknown environment 'qa'" in result.stderr
