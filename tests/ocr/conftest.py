"""OCR fixtures: a warehouse database of its own in the session's Postgres, inbox folders per test, a persistent
Dagster instance (Postgres storage, as the local stack has) and the OCR code location with its resources."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from dagster import DagsterInstance, Definitions
from psycopg import sql

from dagster_project.ocr.defs import ocr_definitions
from dagster_project.ocr.settings import OcrSettings, load_settings
from dagster_project.resources.postgres import PostgresResource, current_environment
from dagster_project.stack.local import LocalStack
from tests.ocr.helpers import Warehouse
from tests.warehouse_env import warehouse_variables

WAREHOUSE = "ocr_warehouse"
DAGSTER_DATABASE = "ocr_dagster"


def fresh_database(stack: LocalStack, name: str, owner: str = "postgres") -> str:
    with psycopg.connect(stack.dsn("postgres", "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner)))
    return stack.dsn(owner, name)


@pytest.fixture()
def warehouse(stack: LocalStack) -> str:
    """An empty warehouse database per test (the pipeline creates the ocr schema on first load)."""
    return fresh_database(stack, WAREHOUSE)


@pytest.fixture()
def ocr_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse: str) -> OcrSettings:
    """Inbox, archive and quarantine under tmp_path; no settle delay (tests write complete files)."""
    monkeypatch.setenv("OCR_INBOX_DIR", str(tmp_path / "inbox"))
    monkeypatch.setenv("OCR_SETTLE_SECONDS", "0")
    for variable, value in warehouse_variables(warehouse).items():
        monkeypatch.setenv(variable, value)
    for name in ("OCR_ARCHIVE_DIR", "OCR_QUARANTINE_DIR", "OCR_SERVICE_URL", "MATTERMOST_WEBHOOK_URL",
                 "OCR_BATCH_SIZE", "OCR_LOAD_CHUNK", "OCR_RETRY_SECONDS", "OCR_RUN_MAX_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    settings.ensure_dirs()
    return settings


@pytest.fixture(scope="session")
def dagster_home(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DAGSTER_HOME whose instance keeps runs and event logs in Postgres, like the local stack's."""
    home = tmp_path_factory.mktemp("dagster-home")
    url = fresh_database(stack, DAGSTER_DATABASE)
    (home / "dagster.yaml").write_text("storage:\n  postgres:\n    postgres_url:\n      env: OCR_TEST_DAGSTER_PG_URL\n"
                                       "telemetry:\n  enabled: false\n")
    # SQLAlchemy 2.1 picks psycopg 3 for postgresql://, on which dagster-postgres's NOTIFY fails: name psycopg2.
    os.environ["OCR_TEST_DAGSTER_PG_URL"] = url.replace("postgresql://", "postgresql+psycopg2://", 1)
    return home


@pytest.fixture()
def instance(dagster_home: Path) -> Iterator[DagsterInstance]:
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        yield instance


@pytest.fixture()
def ocr_defs(ocr_env: OcrSettings, warehouse: str) -> Definitions:
    """The OCR part of the code location alone (its job holds only the ocr assets) and the warehouse resource."""
    return Definitions.merge(ocr_definitions(current_environment()),
                             Definitions(resources={"ocr_warehouse": PostgresResource(dsn=warehouse)}))


@pytest.fixture()
def db(warehouse: str) -> Warehouse:
    return Warehouse(warehouse)
