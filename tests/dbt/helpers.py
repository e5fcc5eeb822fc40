"""Running the real dbt project against a test warehouse, and reading its marts back."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from dagster_project.config.matrix import load_matrix
from dagster_project.dbt.env import dbt_env
from dagster_project.dbt.manifest import DBT_PROJECT_DIR, dbt_executable
from dagster_project.odoo.generator.seed import seed_database

MARTS = ("dim_company", "dim_partner", "dim_account", "dim_journal", "dim_currency", "fct_journal_items",
         "fct_invoices", "ar_aging", "ap_aging", "revenue_monthly", "trial_balance", "expenses_monthly",
         "income_statement_monthly", "cash_position", "ocr_bill_matching", "fct_open_items_month_end")
MANILA_TODAY = "SELECT (now() AT TIME ZONE 'Asia/Manila')::date"  # the aging marts' default as-of date


@dataclass
class DbtResult:
    returncode: int
    output: str
    results: list[dict[str, Any]]

    def by_name(self) -> dict[str, dict[str, Any]]:
        """Each node's result keyed by its name (models and tests)."""
        return {r["unique_id"].split(".")[2]: r for r in self.results
                if r["unique_id"].split(".")[0] in ("model", "test")}  # not the project's hooks


@dataclass
class Warehouse:
    """A test warehouse: Odoo tables seeded into public, dbt artifacts in its own target directory."""

    dsn: str
    target: Path

    def env(self) -> dict[str, str]:
        """The dbt process environment, derived by the project's helper from the matrix variable."""
        matrix_env = load_matrix().resolve("local")
        derived = dbt_env(matrix_env, {"SUPABASE_DBT_URL_LOCAL": self.dsn})
        return {**os.environ, **derived, "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)}

    def dbt(self, *args: str) -> DbtResult:
        """One dbt invocation; the module's own target path keeps partial parsing between invocations."""
        command = [dbt_executable(), *args, "--target-path", str(self.target), "--log-path", str(self.target)]
        done = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=self.env(), capture_output=True, text=True,
                              timeout=600, check=False)
        results_file = self.target / "run_results.json"
        results = json.loads(results_file.read_text())["results"] if results_file.exists() else []
        results_file.unlink(missing_ok=True)
        return DbtResult(done.returncode, done.stdout + done.stderr, results)

    def rows(self, query: str | sql.Composable, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.dsn) as conn:
            return conn.execute(query, params).fetchall()

    def mart(self, name: str) -> Counter:
        """Every row of a mart, as a multiset (order-free comparison)."""
        query = sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier("warehouse"), sql.Identifier(name))
        return Counter(self.rows(query))


def seeded_warehouse(make_database, name: str, target: Path, today: dt.date) -> Warehouse:
    """Odoo tables straight into the warehouse's public schema (no replication), plus dbt's schemas."""
    dsn = make_database(name)
    seed_database(dsn, scale=1, seed=42, today=today)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for schema in ("analytics", "warehouse"):
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    return Warehouse(dsn, target)


def assert_succeeded(result: DbtResult) -> None:
    failed = [r["unique_id"] for r in result.results if r["status"] not in ("success", "pass")]
    assert result.returncode == 0 and not failed, f"dbt failed: {failed}\n{result.output[-4000:]}"
