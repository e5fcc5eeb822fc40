"""Fixtures of the deployment tests: .env.example filled in the way an operator would, and the compose file
resolved with it (no Docker needed)."""

from __future__ import annotations

from typing import Any

import pytest

from dagster_project.config.matrix import Environment, load_matrix
from dagster_project.deploy.initdb import COMPOSE_ENV
from tests.deploy.compose import load_compose, read_env_lines, resolve_env

# What an operator types into the empty lines of .env.example (distinct values, so a mix-up shows).
FILLED_IN = {
    "ACME_EMAIL": "ops@example.org",
    "DAGSTER_UI_PASSWORD_HASH": "$2a$14$0123456789abcdefghijkuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01",
    "POSTGRES_PASSWORD": "pw-superuser",
    "ODOO_DB_PASSWORD": "pw-odoo",
    "ODOO_REPLICATOR_PASSWORD": "pw-replicator",
    "SUPERSET_DB_PASSWORD": "pw-superset",
    "SUPERSET_READER_PASSWORD": "pw-reader",
    "DAGSTER_DB_PASSWORD": "pw-dagster",
    "DBT_DB_PASSWORD": "pw-dbt",
    "OCR_DB_PASSWORD": "pw-ocr",
    "OPS_DB_PASSWORD": "pw-ops",
    "AGENT_DB_PASSWORD": "pw-agent",
    "SUPERSET_SECRET_KEY": "secret-key-value",
    "SUPERSET_ADMIN_PASS_STAGING": "pw-admin",
}


@pytest.fixture(scope="module")
def env_raw() -> dict[str, str]:
    return read_env_lines()


@pytest.fixture(scope="module")
def env_values(env_raw: dict[str, str]) -> dict[str, str]:
    values = resolve_env(env_raw, FILLED_IN)
    empty = sorted(k for k, v in values.items() if v == "" and k not in OPTIONAL)
    assert not empty, f"fill these in FILLED_IN too (they are empty in .env.example): {empty}"
    return values


# Variables .env.example may leave empty: docker-compose.yml gives them `:-` defaults.
OPTIONAL = {"MATTERMOST_WEBHOOK_URL", "BIG_INVOICE_THRESHOLD", "DAGSTER_RETENTION_DAYS",
            "DAGSTER_RETENTION_FAILED_DAYS", "OCR_SERVICE_URL",
            "HYBRID_MCP_TOKEN", "OCR_URL_ALLOWED_HOSTS",  # the MCP service's, in its own profile
            "HYBRID_WEBHOOK_SECRET", "MATTERMOST_SLASH_TOKEN", "HYBRID_BRANCH_REPO_HOST",
            "HYBRID_WEBHOOK_URL",  # the webhook service's
            "MATTERMOST_URL", "MATTERMOST_BOT_TOKEN", "MATTERMOST_TEAM", "MATTERMOST_REPORTS_CHANNEL_ID",
            "HYBRID_REPORTS_BASE_URL"}  # the monthly report's delivery


@pytest.fixture(scope="module")
def compose(env_values: dict[str, str]) -> dict[str, Any]:
    return load_compose(env_values)


@pytest.fixture(scope="module")
def served() -> Environment:
    """The matrix environment the compose deployment serves."""
    return load_matrix().resolve(COMPOSE_ENV)
