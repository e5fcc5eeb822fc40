"""Installing the live path in an environment's warehouse, and where its worker keeps the compiled SQL."""

from __future__ import annotations

from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from dagster_project import paths
from dagster_project.config import database
from dagster_project.config.matrix import Environment
from dagster_project.dbt.manifest import ensure_manifest
from dagster_project.live import changes
from dagster_project.live.catalog import source_tables
from dagster_project.ocr import schema as ocr_schema


def role_of(environment: Environment, purpose: str) -> str:
    return str(conninfo_to_dict(environment.value("supabase", purpose)).get("user") or "postgres")


def target_dir(environment: Environment) -> Path:
    return paths.state_dir() / "live" / environment.name


def install(environment: Environment) -> list[str]:
    """The change record and its triggers, by the warehouse superuser (it owns the replica tables); the
    worker runs as the dbt role, Dagster reads the batches as the ops role. The OCR tables are created first
    (by their own role, as its loader would) so that the first OCR invoice already reaches the marts live."""
    tables = source_tables(ensure_manifest(progress=lambda _: None))
    with database.connect(environment.value("supabase", "ocr_url"), autocommit=True) as conn:
        ocr_schema.ensure_schema(conn)
    with database.connect(environment.value("supabase", "db_url"), autocommit=True) as conn:
        return changes.install(conn, tables, role_of(environment, "dbt_url"), role_of(environment, "ops_url"))
