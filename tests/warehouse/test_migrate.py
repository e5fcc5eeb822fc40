"""The declared warehouse schema on a real Postgres, with the real job roles: a migration builds ops and ocr
exactly as the code's own first-use DDL does, each schema owned by its role; drift names each change with
its fields; destructive statements wait for --allow-destructive; a failing statement rolls every one back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql

from dagster_project.cli.main import cli
from dagster_project.config import schemas
from dagster_project.config.gate import ApprovalRequired
from dagster_project.config.matrix import Environment, load_matrix
from dagster_project.mcp import audit, inserts
from dagster_project.ocr import schema as ocr_schema
from dagster_project.ops import state as ops_state
from dagster_project.reports import store
from dagster_project.stack.local import LocalStack
from dagster_project.superset import state as superset_state
from dagster_project.warehouse.catalog import read_tables
from dagster_project.warehouse.declared import read_declaration
from dagster_project.warehouse.diff import CHANGED, EXTRA, MISSING, compare
from dagster_project.warehouse.migrate import MigrationRefused, migrate, plan_only
from dagster_project.webhooks import calls

OWNED = ("ops", "ocr")
DECLARED = read_declaration()


def _fresh_warehouse(stack: LocalStack, name: str) -> str:
    """A database like the stack's warehouse: ops owned by role ops, ocr by role ocr, nothing in them."""
    admin = stack.dsn("postgres", "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO ops, ocr").format(sql.Identifier(name)))
    with psycopg.connect(stack.dsn("postgres", name), autocommit=True) as conn:
        for schema in OWNED:
            conn.execute(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(schema),
                                                                             sql.Identifier(schema)))
    return stack.dsn("postgres", name)


@pytest.fixture()
def warehouse(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Environment, str]]:
    admin = _fresh_warehouse(stack, "warehouse_migrate")
    for role in OWNED:
        monkeypatch.setenv(f"SUPABASE_{role.upper()}_URL_LOCAL", stack.dsn(role, "warehouse_migrate"))
    yield load_matrix().resolve("local"), admin


def _live(dsn: str):
    with psycopg.connect(dsn) as conn:
        return read_tables(conn, OWNED)


def _drift(dsn: str):
    return compare(DECLARED, _live(dsn), OWNED, "local")


def test_a_migration_builds_the_declaration_as_each_schema_owner_and_records_it(warehouse) -> None:
    env, admin = warehouse
    plan = plan_only(env)
    creates = [s for s in plan.statements if s.sql.as_string().startswith("CREATE TABLE")]
    assert len(creates) == len(DECLARED) == 17 and not plan.destructive
    result = migrate(env, plan)
    assert result.applied and _drift(admin).status == "NO_DRIFT"
    assert plan_only(env).statements == []  # a second run has nothing to do
    with psycopg.connect(admin) as conn:
        owners = dict(conn.execute("SELECT schemaname || '.' || tablename, tableowner FROM pg_tables "
                                   "WHERE schemaname = ANY(%s)", (list(OWNED),)).fetchall())
        record = conn.execute("SELECT id, env, jsonb_array_length(statements), destructive, declaration_sha256 "
                              "FROM ops.schema_migrations").fetchall()
    assert owners == {name: name.split(".")[0] for name in DECLARED}  # ops tables by ops, ocr tables by ocr
    assert record == [(result.migration_id, "local", len(plan.statements), False, plan.declaration_sha256)]


def test_the_declaration_is_what_the_code_creates_on_first_use(stack: LocalStack) -> None:
    """Every module that creates a table on first use, run on an empty warehouse: the DBML says the same."""
    admin = _fresh_warehouse(stack, "warehouse_first_use")
    with psycopg.connect(stack.dsn("ops", "warehouse_first_use"), autocommit=True) as conn:
        ops_state.ensure_health_log(conn)
        ops_state.ensure_invoice_alerts(conn)
        superset_state.ensure_tables(conn)
        audit.ensure_tables(conn)
        audit.ensure_tables(conn, inserts.INSERTABLE)
        schemas.ensure_tables(conn, "ops", calls.TABLES)
        schemas.ensure_tables(conn, "ops", store.TABLES)
    with psycopg.connect(stack.dsn("ocr", "warehouse_first_use"), autocommit=True) as conn:
        ocr_schema.ensure_schema(conn)
    changes = [c.to_json() for c in _drift(admin).changes]
    assert changes == [{"type": "table", "action": MISSING, "table": "ops.schema_migrations",
                        "name": "ops.schema_migrations", "source": "ops.dbml", "fields": []}]


def test_drift_names_each_change_and_migrate_waits_for_allow_destructive(warehouse) -> None:
    env, admin = warehouse
    migrate(env, plan_only(env))
    with psycopg.connect(admin) as conn:
        conn.execute("INSERT INTO ops.health_log (env, component, check_name, status, detail, latency_ms) "
                     "VALUES ('local', 'odoo', 'login', 'ok', 'fine', 1.5)")
        conn.execute("ALTER TABLE ops.health_log ALTER COLUMN latency_ms TYPE numeric(14,3)")
        conn.execute("ALTER TABLE ops.health_log ADD COLUMN by_hand text")
        conn.execute("DROP INDEX ops.health_log_checked_at")
        conn.execute("ALTER TABLE ops.reports DROP COLUMN insights")
        conn.execute("ALTER TABLE ocr.documents ENABLE ROW LEVEL SECURITY")
        conn.execute("CREATE TABLE ocr.scratch (id integer)")
    drift = {(c.type, c.name): c for c in _drift(admin).changes}
    assert {key: change.action for key, change in drift.items()} == {
        ("column", "ops.health_log.latency_ms"): CHANGED, ("column", "ops.health_log.by_hand"): EXTRA,
        ("index", "health_log_checked_at"): MISSING, ("column", "ops.reports.insights"): MISSING,
        ("rls", "ocr.documents row-level security"): CHANGED, ("table", "ocr.scratch"): EXTRA}
    assert drift[("column", "ops.health_log.latency_ms")].fields == (
        {"path": "type", "expected": "numeric(12,1)", "actual": "numeric(14,3)"},)
    plan = plan_only(env)
    assert sorted(s.sql.as_string() for s in plan.destructive) == [
        'ALTER TABLE "ocr"."documents" DISABLE ROW LEVEL SECURITY',
        'ALTER TABLE "ops"."health_log" ALTER COLUMN "latency_ms" TYPE numeric(12,1) USING "latency_ms"::numeric(12,1)',
        'ALTER TABLE "ops"."health_log" DROP COLUMN "by_hand"', 'DROP TABLE "ocr"."scratch"']
    assert plan.text().startswith("! ")  # destructive statements are shown first
    with pytest.raises(MigrationRefused, match="--allow-destructive"):
        migrate(env, plan)
    assert len(_drift(admin).changes) == 6  # nothing was applied
    migrate(env, plan, allow_destructive=True)
    assert _drift(admin).status == "NO_DRIFT"
    with psycopg.connect(admin) as conn:
        assert conn.execute("SELECT latency_ms, detail FROM ops.health_log").fetchall() == [(1.5, "fine")]


def test_a_failing_statement_rolls_back_every_schema(warehouse) -> None:
    env, admin = warehouse
    migrate(env, plan_only(env))
    with psycopg.connect(admin) as conn:
        conn.execute("ALTER TABLE ocr.invoices DROP COLUMN bill_to_name")  # re-added (by role ocr) first
        conn.execute("ALTER TABLE ops.chat_replies ALTER COLUMN command DROP NOT NULL")
        conn.execute("INSERT INTO ops.chat_replies (reply_id, command, user_name, response_url) "
                     "VALUES (gen_random_uuid(), NULL, 'ana', 'https://chat.example/x')")
    plan = plan_only(env)
    assert [s.schema for s in plan.statements] == ["ocr", "ops"]
    with pytest.raises(psycopg.errors.NotNullViolation):  # SET NOT NULL meets the row without a command
        migrate(env, plan)
    with psycopg.connect(admin) as conn:
        assert conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'ocr' AND "
                            "column_name = 'bill_to_name'").fetchone() == (0,)  # the ocr statement is undone
        assert conn.execute("SELECT count(*) FROM ops.schema_migrations").fetchone() == (1,)  # the first only


def test_a_protected_environment_needs_approval(warehouse) -> None:
    env, _ = warehouse
    plan = plan_only(env)
    production = load_matrix().resolve("production")
    with pytest.raises(ApprovalRequired, match="hybrid warehouse migrate --env production --dry-run"):
        migrate(production, plan)


def test_the_cli_reports_drift_as_json_and_migrates(warehouse) -> None:
    env, admin = warehouse
    runner = CliRunner()
    dry = runner.invoke(cli, ["warehouse", "migrate", "--env", "local", "--dry-run", "--output", "json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["summary"] == {"statements": len(plan_only(env).statements), "destructive": 0}
    done = runner.invoke(cli, ["warehouse", "migrate", "--env", "local"])
    assert done.exit_code == 0 and "ops.schema_migrations id" in done.stdout, done.output
    with psycopg.connect(admin) as conn:
        conn.execute("ALTER TABLE ocr.invoices ALTER COLUMN vendor_vat SET NOT NULL")
    found = runner.invoke(cli, ["warehouse", "drift", "--env", "local", "--schema", "ops", "--schema", "ocr",
                                "--output", "json"])  # no marts are built here
    assert found.exit_code == 1, found.output
    document = json.loads(found.stdout)
    assert document["status"] == "DRIFT_FOUND" and document["changes"] == [
        {"type": "column", "action": CHANGED, "table": "ocr.invoices", "name": "ocr.invoices.vendor_vat",
         "source": "ocr.dbml", "fields": [{"path": "nullable", "expected": True, "actual": False}]}]
