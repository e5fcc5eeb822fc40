"""Roles, databases and schemas of the local stack, as PRODUCT.md's local instance matrix names them, with
one least-privilege role per job (stack/roles.py).

Idempotent: every statement checks the catalog first, and passwords are re-set from the secrets file so
`.env.local` and the server always agree. The grants are re-applied on every `up`, in one transaction per
database, so tables created since are covered and privileges of older versions are taken back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import psycopg
from psycopg import sql

from dagster_project.config import database
from dagster_project.stack.roles import (
    JOB_ROLES,
    ROLE_ATTRIBUTES,
    WAREHOUSE_DATABASE,
    WAREHOUSE_SCHEMAS,
    create_role,
    database_access,
    schema_owner,
    warehouse_statements,
)


@dataclass(frozen=True)
class DatabaseSpec:
    name: str
    owner: str
    schemas: tuple[str, ...] = ()
    connect: tuple[str, ...] = ()  # roles besides the owner that may connect (nobody else may)
    temporary: tuple[str, ...] = ()  # of those, the ones that may create temporary tables


LOGIN_ROLES = ("odoo", "superset", "dagster")  # the owners of their databases
# The subscription connects as this role: it may stream WAL and (granted by `hybrid replication setup`)
# read the published tables, nothing else.
REPLICATION_ROLES = ("odoo_replicator",)
REPLICATION_ATTRIBUTES = "LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE"
DATABASES = (
    DatabaseSpec("odoo_local", "odoo", connect=REPLICATION_ROLES),
    DatabaseSpec(WAREHOUSE_DATABASE, "postgres", WAREHOUSE_SCHEMAS, connect=tuple(r.name for r in JOB_ROLES),
                 temporary=tuple(r.name for r in JOB_ROLES if r.temporary)),
    DatabaseSpec("superset_meta", "superset"),
    DatabaseSpec("dagster", "dagster"),
)
# Superset reads the warehouse as this role (roles.JOB_ROLES says what it may read).
READER_ROLE = "superset_reader"
READER_DATABASE = WAREHOUSE_DATABASE


def role_attributes() -> dict[str, str]:
    """Every login role the stack creates, with the attributes it is (re)set to."""
    return {**dict.fromkeys(LOGIN_ROLES, "LOGIN"), **dict.fromkeys(REPLICATION_ROLES, REPLICATION_ATTRIBUTES),
            **{role.name: ROLE_ATTRIBUTES for role in JOB_ROLES}}


def provision(admin_dsn: str, passwords: Mapping[str, str]) -> list[str]:
    """Create what is missing and set the grants; returns what was created, for the progress output."""
    created: list[str] = []
    with database.connect(admin_dsn, autocommit=True) as conn:
        for role, attributes in role_attributes().items():
            if not _exists(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", role):
                conn.execute(create_role(role, attributes))
                created.append(f"role {role}")
            conn.execute(sql.SQL("ALTER ROLE {} WITH " + attributes + " PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(passwords[role])))
        for spec in DATABASES:
            if not _exists(conn, "SELECT 1 FROM pg_database WHERE datname = %s", spec.name):
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8'").format(
                    sql.Identifier(spec.name), sql.Identifier(spec.owner)))
                created.append(f"database {spec.name}")
        for spec in DATABASES:
            with conn.transaction():
                for statement in database_access(spec.name, spec.connect, spec.temporary):
                    conn.execute(statement)
    for spec in DATABASES:
        if spec.schemas:
            created += _create_schemas(_dsn(admin_dsn, spec.name), spec)
            with database.connect(_dsn(admin_dsn, spec.name)) as conn:
                for statement in warehouse_statements():
                    conn.execute(statement)
    return created


def _create_schemas(dsn: str, spec: DatabaseSpec) -> list[str]:
    created = []
    with database.connect(dsn, autocommit=True) as conn:
        for schema in spec.schemas:
            if not _exists(conn, "SELECT 1 FROM pg_namespace WHERE nspname = %s", schema):
                conn.execute(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(
                    sql.Identifier(schema), sql.Identifier(schema_owner(schema))))
                created.append(f"schema {spec.name}.{schema}")
    return created


def _dsn(admin_dsn: str, database: str) -> str:
    return admin_dsn.rsplit("/", 1)[0] + "/" + database


def _exists(conn: psycopg.Connection, query: str, name: str) -> bool:
    return conn.execute(query, (name,)).fetchone() is not None
