"""Each job's role can do its job in the warehouse and nothing else: the table of role x schema x action of
docs/security.md, tried for real against the provisioned local stack (every action attempted, not read off
the catalog), and who may connect to which database."""

from __future__ import annotations

import re
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from dagster_project.config import roles
from dagster_project.config.roles import DATABASES
from dagster_project.paths import PROJECT_ROOT
from dagster_project.stack.local import LocalStack
from dagster_project.stack.provision import provision
from dagster_project.stack.secrets import load_or_create

PROBE = "privilege_probe"
ACTIONS = ("read", "write", "create")
# What each role may do in each warehouse schema; anything missing here must be refused.
MAY = {
    "dbt": {"public": {"read"}, "analytics": set(ACTIONS), "warehouse": set(ACTIONS), "ocr": {"read"}},
    "ocr": {"ocr": set(ACTIONS)},
    "ops": {"public": {"read"}, "warehouse": {"read"}, "ops": set(ACTIONS)},
    "superset_reader": {"warehouse": {"read"}},
    "agent": {"analytics": {"read"}, "warehouse": {"read"}, "ocr": {"read"}, "ops": {"read"}},
}


@pytest.fixture(scope="module")
def probes(stack: LocalStack) -> Iterator[None]:
    """A table in every warehouse schema, created by the role that creates tables there in real life (dbt the
    marts, ocr its tables, the superuser's subscription the replica), so default privileges apply as they do."""
    admin = stack.dsn("postgres", "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        for schema in roles.WAREHOUSE_SCHEMAS:
            conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(roles.schema_owner(schema))))
            conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (id int)").format(sql.Identifier(schema, PROBE)))
            conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(sql.Identifier(schema, PROBE)))
            conn.execute("RESET ROLE")
    yield
    with psycopg.connect(admin, autocommit=True) as conn:
        for schema in roles.WAREHOUSE_SCHEMAS:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(schema, PROBE)))
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(schema, PROBE + "_new")))


def attempt(dsn: str, action: str, schema: str) -> bool:
    """True when the role could do it; False when Postgres refused it for lack of privilege."""
    statement = {
        "read": sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, PROBE)),
        "write": sql.SQL("INSERT INTO {} VALUES (2)").format(sql.Identifier(schema, PROBE)),
        "create": sql.SQL("CREATE TABLE {} (id int)").format(sql.Identifier(schema, PROBE + "_new")),
    }[action]
    with psycopg.connect(dsn) as conn:
        try:
            conn.execute(statement)
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction):
            return False
        conn.rollback()  # what was allowed leaves nothing behind
    return True


def test_each_role_may_do_exactly_its_job_in_each_schema(stack: LocalStack, probes: None) -> None:
    found = {role: {schema: {action for action in ACTIONS if attempt(stack.dsn(role, "postgres"), action, schema)}
                    for schema in roles.WAREHOUSE_SCHEMAS} for role in MAY}
    wanted = {role: {schema: MAY[role].get(schema, set()) for schema in roles.WAREHOUSE_SCHEMAS} for role in MAY}
    assert found == wanted
    # The declaration the grants come from says the same, and so does docs/security.md.
    assert roles.privilege_table() in (PROJECT_ROOT / "docs" / "security.md").read_text()
    for role in roles.JOB_ROLES:
        for schema in roles.WAREHOUSE_SCHEMAS:
            access = {"owns": set(ACTIONS), "reads": {"read"}, "none": set()}[role.access(schema)]
            assert access == wanted[role.name][schema], (role.name, schema)


def test_no_database_is_open_to_every_role(stack: LocalStack) -> None:
    passwords = load_or_create(stack.state_dir)
    may = {spec.name: {spec.owner, *spec.connect} for spec in DATABASES}
    found: dict[str, set[str]] = {spec.name: set() for spec in DATABASES}
    for role in (*(r.name for r in roles.JOB_ROLES), "odoo", "superset", "dagster", "odoo_replicator"):
        for database in found:
            try:
                with psycopg.connect(stack.dsn(role, database), connect_timeout=5):
                    found[database].add(role)
            except psycopg.OperationalError as refused:
                assert "User does not have CONNECT privilege" in str(refused), refused
    assert found == {name: allowed - {"postgres"} for name, allowed in may.items()}
    assert "superset_reader" not in found["odoo_local"] and passwords["superset_reader"]


def test_the_replica_schema_holds_no_public_privilege_and_old_grants_are_taken_back(stack: LocalStack,
                                                                                  probes: None) -> None:
    """What an older version granted (superset_reader read analytics and ocr) is gone after provisioning."""
    admin = stack.dsn("postgres", "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        for schema in ("analytics", "ocr"):
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO superset_reader").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO superset_reader")
                         .format(sql.Identifier(schema)))
    reader = stack.dsn("superset_reader", "postgres")
    assert attempt(reader, "read", "analytics") and attempt(reader, "read", "ocr")
    assert provision(stack.postgres.admin_dsn(load_or_create(stack.state_dir)["postgres"]),
                     load_or_create(stack.state_dir)) == []
    assert not attempt(reader, "read", "analytics") and not attempt(reader, "read", "ocr")
    with psycopg.connect(admin) as conn:
        acl = conn.execute("SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'").fetchone()[0]
    assert not re.search(r"(^|[{,])=", acl), acl  # no entry for PUBLIC (the empty grantee) on the replica


def test_physical_replication_is_refused_and_logical_replication_allowed_to_the_replicator(stack: LocalStack) -> None:
    """The server's hba file has no `replication` line: nobody may copy the whole cluster."""
    for role, database in (("odoo_replicator", "odoo_local"), ("postgres", "postgres")):
        with pytest.raises(psycopg.OperationalError, match="no pg_hba.conf entry for replication connection"):
            psycopg.connect(stack.dsn(role, database), replication="true", connect_timeout=5)
    with psycopg.connect(stack.dsn("odoo_replicator", "odoo_local"), replication="database", connect_timeout=5,
                         autocommit=True) as conn:
        assert conn.pgconn.parameter_status(b"session_authorization") == b"odoo_replicator"
