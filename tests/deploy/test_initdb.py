"""docker/postgres/initdb.d/10-hybrid.sh, run with psql against a fresh PostgreSQL 17 (the project's own server,
as the postgres image would run it on first start): it creates exactly the roles, databases, schemas and grants
`hybrid stack up` provisions, named for the environment the compose deployment serves, and can run again."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from dagster_project.config import roles
from dagster_project.deploy import initdb
from dagster_project.stack import provision
from dagster_project.stack.postgres import HOST, LocalPostgres
from dagster_project.stack.scratch import scratch_server, scratch_state_dir

SUPERUSER_PASSWORD = "pw-superuser"
PASSWORDS = {role: f"pw-{role}" for role in initdb.PASSWORD_VARIABLES}


@pytest.fixture(scope="module")
def server() -> Iterator[LocalPostgres]:
    """An empty cluster of its own: roles are cluster-wide, so the session stack would not do."""
    state = scratch_state_dir("initdb-")
    try:
        with scratch_server(state, SUPERUSER_PASSWORD) as postgres:
            yield postgres
    finally:
        shutil.rmtree(state, ignore_errors=True)


def run_script(server: LocalPostgres) -> subprocess.CompletedProcess[str]:
    """The script as the image runs it: sh, psql on PATH, the role passwords in the environment."""
    env = {"PATH": f"{Path(LocalPostgres.tool('psql')).parent}:{os.environ['PATH']}", "POSTGRES_USER": "postgres",
           "PGHOST": HOST, "PGPORT": str(server.port), "PGPASSWORD": SUPERUSER_PASSWORD,
           **{variable: PASSWORDS[role] for role, variable in initdb.PASSWORD_VARIABLES.items()}}
    return subprocess.run(["sh", str(initdb.SCRIPT)], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def catalog(server: LocalPostgres) -> dict[str, object]:
    with psycopg.connect(server.admin_dsn(SUPERUSER_PASSWORD)) as conn:
        found_roles = {row[0]: tuple(row[1:]) for row in conn.execute(
            "SELECT rolname, rolcanlogin, rolreplication, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
            "WHERE rolname NOT LIKE 'pg\\_%' AND rolname <> 'postgres'")}
        databases = dict(conn.execute(
            "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE NOT datistemplate").fetchall())
        database_acls = dict(conn.execute(
            "SELECT datname, datacl::text[] FROM pg_database WHERE NOT datistemplate").fetchall())
        reader_settings = conn.execute("SELECT setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = "
                                       "s.setrole WHERE r.rolname = %s", (roles.READER_ROLE,)).fetchone()
    schemas, acls = {}, {}
    for spec in initdb.databases():
        with psycopg.connect(server.admin_dsn(SUPERUSER_PASSWORD, spec.name)) as conn:
            schemas[spec.name] = dict(conn.execute(
                "SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                "AND nspname <> 'information_schema'").fetchall())
            acls[spec.name] = conn.execute(
                "SELECT n.nspname, n.nspacl::text[], (SELECT array_agg(d.defaclacl::text ORDER BY d.defaclrole) "
                "FROM pg_default_acl d WHERE d.defaclnamespace = n.oid) FROM pg_namespace n "
                "WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' ORDER BY 1").fetchall()
    return {"roles": found_roles, "databases": databases, "database_acls": database_acls, "schemas": schemas,
            "acls": acls, "reader": reader_settings}


def test_the_script_creates_what_provision_creates(server: LocalPostgres, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_script(server)
    assert result.returncode == 0, result.stderr
    found = catalog(server)

    specs = initdb.databases()
    assert [spec.name for spec in specs] == ["odoo_staging", "postgres", "superset_meta", "dagster"]
    assert found["databases"] == {spec.name: spec.owner for spec in specs}
    # (login, replication, superuser, createdb, createrole)
    login, replication = (True, False, False, False, False), (True, True, False, False, False)
    assert found["roles"] == {**dict.fromkeys(roles.LOGIN_ROLES, login),
                              **dict.fromkeys(roles.REPLICATION_ROLES, replication),
                              **{role.name: login for role in roles.JOB_ROLES},
                              roles.ALL_COMPANIES: (False, False, False, False, False)}
    warehouse = next(spec for spec in specs if spec.schemas)
    assert found["schemas"][warehouse.name] == {"public": "pg_database_owner", "analytics": "dbt", "warehouse": "dbt",
                                                "ocr": "ocr", "ops": "ops"}
    assert found["reader"] == (["default_transaction_read_only=on"],)

    # provision() itself, on the databases named for the compose environment, finds nothing left to create.
    monkeypatch.setattr(provision, "DATABASES", specs)
    created = provision.provision(server.admin_dsn(SUPERUSER_PASSWORD), PASSWORDS)
    assert created == []
    assert catalog(server) == found


def test_each_role_logs_in_with_its_password_where_it_may_and_nowhere_else(server: LocalPostgres) -> None:
    assert run_script(server).returncode == 0  # a second run changes nothing and fails on nothing
    odoo, warehouse = initdb.database_name("odoo_local"), initdb.database_name(roles.READER_DATABASE)
    may = {"odoo": {odoo}, "superset": {"superset_meta"}, "dagster": {"dagster"}, "odoo_replicator": {odoo},
           **{role.name: {warehouse} for role in roles.JOB_ROLES}}
    allowed = {}
    for role, password in PASSWORDS.items():
        for spec in initdb.databases():
            try:
                with psycopg.connect(host=HOST, port=server.port, user=role, password=password, dbname=spec.name,
                                     connect_timeout=5) as conn:
                    assert conn.execute("SELECT current_user").fetchone() == (role,)
                allowed.setdefault(role, set()).add(spec.name)
            except psycopg.OperationalError as refused:
                assert "User does not have CONNECT privilege" in str(refused)
    assert allowed == may
    with psycopg.connect(server.admin_dsn(SUPERUSER_PASSWORD)) as admin:
        admin.execute("SET ROLE dbt")  # a mart is created by dbt, which owns the schema
        admin.execute("CREATE TABLE IF NOT EXISTS warehouse.probe (id int)")
        admin.execute("INSERT INTO warehouse.probe VALUES (1)")
        admin.commit()
    reader = roles.READER_ROLE
    with psycopg.connect(host=HOST, port=server.port, user=reader, password=PASSWORDS[reader],
                         dbname="postgres") as conn:
        assert conn.execute("SELECT count(*) FROM warehouse.probe").fetchone() == (1,)  # granted by default privileges
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO warehouse.probe VALUES (2)")


def test_a_missing_password_stops_the_script_naming_the_variable(server: LocalPostgres,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    variable = initdb.PASSWORD_VARIABLES["dagster"]
    monkeypatch.setitem(PASSWORDS, "dagster", "")
    result = run_script(server)
    assert result.returncode != 0
    assert f"{variable}: set {variable} in .env" in result.stderr


def test_network_connections_must_use_tls_after_the_first_start(server: LocalPostgres, tmp_path: Path) -> None:
    """00-require-tls.sh on initdb's own pg_hba.conf plus the line the postgres image appends to it."""
    image_rule = "host all all all scram-sha-256"
    hba = tmp_path / "pg_hba.conf"
    hba.write_text((server.data / "pg_hba.conf").read_text() + f"\n{image_rule}\n")
    before = hba.read_text().splitlines()
    script = initdb.SCRIPT.parent / "00-require-tls.sh"
    result = subprocess.run(["sh", str(script)], env={**os.environ, "PGDATA": str(tmp_path)}, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    after = hba.read_text().splitlines()
    assert [line for line in after if line not in before] == ["hostssl all all all scram-sha-256"]
    replication = [line for line in before if line.split()[1:2] == ["replication"] and not line.startswith("#")]
    assert len(replication) == 3  # initdb's: the socket and both loopback addresses, for every role
    assert [line for line in before if line not in after] == [*replication, image_rule]
