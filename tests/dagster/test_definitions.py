"""The code location loads through workspace.yaml and keeps its run storage in the `dagster` database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import psycopg

from dagster_project import paths
from dagster_project.definitions import defs
from dagster_project.stack.scratch import free_port

DAGSTER = Path(sys.executable).parent / "dagster"


def test_resources_read_connection_strings_from_the_matrix_variables() -> None:
    resources = defs.resources
    assert set(resources) >= {"odoo_db", "warehouse", "ocr_warehouse"}
    assert resources["odoo_db"].dsn.env_var_name == "ODOO_DB_URL_LOCAL"
    # each job's own role, never the superuser's SUPABASE_DB_URL_LOCAL
    assert resources["warehouse"].dsn.env_var_name == "SUPABASE_OPS_URL_LOCAL"
    assert resources["ocr_warehouse"].dsn.env_var_name == "SUPABASE_OCR_URL_LOCAL"


def test_definitions_validate_through_the_workspace(stack) -> None:
    result = subprocess.run(
        [str(DAGSTER), "definitions", "validate", "-w", str(paths.PROJECT_ROOT / "workspace.yaml")],
        env={**stack.env_values(), "PATH": str(DAGSTER.parent)}, cwd=paths.PROJECT_ROOT,
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Validation successful for code location hybrid" in result.stdout + result.stderr


def test_ui_serves_with_instance_storage_in_postgres(stack) -> None:
    stack.dagster_port = free_port()
    stack.up(with_dagster=True, with_superset=False, progress=lambda _: None)
    try:
        info = httpx.get(f"http://127.0.0.1:{stack.dagster_port}/server_info", timeout=10).json()
        assert info["dagster_version"].startswith("1.13.")
        dagster_yaml = (stack.dagster_home / "dagster.yaml").read_text()
        assert "env: DAGSTER_PG_URL" in dagster_yaml and "password" not in dagster_yaml
        with psycopg.connect(stack.dsn("dagster", "dagster")) as conn:
            tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
        assert {"runs", "event_logs", "instigators", "asset_keys"} <= tables
    finally:
        for process in stack._dagster_processes():
            process.stop()
