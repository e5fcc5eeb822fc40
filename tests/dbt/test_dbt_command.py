"""`hybrid dbt ...` runs dbt itself with an environment's connection, and plain `dbt` works with the variables
the local stack writes to .env.local."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dagster_project.cli.dbt_cmd import split_env
from dagster_project.dbt.manifest import DBT_PROJECT_DIR, dbt_executable
from dagster_project.stack.local import LocalStack
from tests.warehouse_env import warehouse_variables


def test_env_is_taken_from_anywhere_among_dbt_s_arguments() -> None:
    assert split_env(("build", "--select", "ar_aging", "--env", "staging"), "local") == (
        "staging", ["build", "--select", "ar_aging"])
    assert split_env(("--env=prod", "run", "--vars", "{a: 1}"), "local") == ("prod", ["run", "--vars", "{a: 1}"])
    assert split_env(("ls",), "local") == ("local", ["ls"])


def _hybrid_dbt(*args: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dagster_project.cli", "dbt", *args], capture_output=True,
                          text=True, env=environ, timeout=300, check=False)


@pytest.mark.stack
def test_hybrid_dbt_connects_with_the_environment_s_warehouse(make_database) -> None:
    dsn = make_database("dbt_command")
    environ = {**os.environ, **warehouse_variables(dsn), "DBT_USE_COLORS": "false"}
    done = _hybrid_dbt("debug", "--env", "local", environ=environ)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Connection test: [OK connection ok]" in done.stdout
    assert "database: dbt_command" in done.stdout  # the DSN's database, not profiles.yml's default
    bad = _hybrid_dbt("run", "--select", "no_such_model", "--env", "nowhere", environ=environ)
    assert bad.returncode == 3 and "unknown environment 'nowhere'" in bad.stderr


@pytest.mark.stack
def test_plain_dbt_works_with_the_variables_of_env_local(stack: LocalStack) -> None:
    written = {name: value for name, value in stack.env_values().items() if name.startswith("DBT_")}
    assert set(written) == {"DBT_TARGET", "DBT_HOST", "DBT_PORT", "DBT_USER", "DBT_PASSWORD", "DBT_DBNAME",
                            "DBT_SSLMODE"} and written["DBT_USER"] == "dbt"
    clean = {name: value for name, value in os.environ.items() if not name.startswith(("DBT_", "SUPABASE_"))}
    environ = {**clean, **written, "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR), "DBT_USE_COLORS": "false"}
    done = subprocess.run([dbt_executable(), "debug"], cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
                          env=environ, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Connection test: [OK connection ok]" in done.stdout
