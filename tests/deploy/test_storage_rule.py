"""The instance-storage rule: a direct Postgres connection, never Supabase's transaction pooler."""

from __future__ import annotations

import pytest

from dagster_project.deploy.storage import StorageConnectionError, check_dsn, check_instance_storage

POOLER = "postgresql://postgres.abcdefghij:pw-secret@aws-0-eu-central-1.pooler.supabase.com:6543/postgres"


def test_the_transaction_pooler_is_refused_naming_the_variable_and_the_fix() -> None:
    with pytest.raises(StorageConnectionError) as caught:
        check_dsn(POOLER, "DAGSTER_PG_URL")
    message = str(caught.value)
    assert "DAGSTER_PG_URL" in message and "aws-0-eu-central-1.pooler.supabase.com:6543" in message
    assert "db.<project-ref>.supabase.co" in message and "5432" in message
    assert "pw-secret" not in message


@pytest.mark.parametrize("dsn", [
    "postgresql://postgres:pw@db.abcdefghij.supabase.co:5432/dagster?sslmode=require",
    "postgresql://postgres.abcdefghij:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres",  # session mode
    "postgresql://dagster:pw@127.0.0.1:6543/dagster",  # a local server on that port is no pooler
    "host=/var/run/postgresql dbname=dagster",
])
def test_direct_and_session_connections_pass(dsn: str) -> None:
    check_dsn(dsn, "DAGSTER_PG_URL")


def test_pgbouncer_mode_is_refused_on_any_port() -> None:
    with pytest.raises(StorageConnectionError, match="pgbouncer=true"):
        check_dsn("postgresql://u:p@db.abcdefghij.supabase.co:5432/postgres?pgbouncer=true", "SUPABASE_DB_URL")


def test_a_malformed_string_is_named_without_echoing_it() -> None:
    with pytest.raises(StorageConnectionError) as caught:
        check_dsn("postgresql://u:pw-secret@host:notaport/db", "DAGSTER_PG_URL")
    assert "DAGSTER_PG_URL" in str(caught.value) and "pw-secret" not in str(caught.value)


def test_the_dagster_yaml_storage_blocks_are_read_through_their_env_references() -> None:
    by_field = {"storage": {"postgres": {"postgres_db": {
        "hostname": {"env": "DAGSTER_PG_HOST"}, "port": {"env": "DAGSTER_PG_PORT"},
        "username": "dagster", "db_name": "dagster", "params": {"sslmode": "require"}}}}}
    environ = {"DAGSTER_PG_HOST": "aws-0-eu-central-1.pooler.supabase.com", "DAGSTER_PG_PORT": "6543"}
    with pytest.raises(StorageConnectionError, match=r"DAGSTER_PG_HOST / DAGSTER_PG_PORT points at .*:6543"):
        check_instance_storage(by_field, environ, "dagster.yaml")
    check_instance_storage(by_field, {**environ, "DAGSTER_PG_PORT": "5432"}, "dagster.yaml")
    with pytest.raises(StorageConnectionError, match="reads DAGSTER_PG_PORT, which is not set"):
        check_instance_storage(by_field, {"DAGSTER_PG_HOST": "db.x.supabase.co"}, "dagster.yaml")

    by_url = {"storage": {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}}}
    with pytest.raises(StorageConnectionError, match="DAGSTER_PG_URL points at"):
        check_instance_storage(by_url, {"DAGSTER_PG_URL": POOLER}, "dagster.yaml")
