"""Roles, databases and schemas of the local stack, as PRODUCT.md's local instance matrix names them, with
one least-privilege role per job (declared in config/roles.py; deploy/initdb.py renders the same statements
for Docker).

Idempotent: every statement checks the catalog first, and passwords are re-set from the secrets file so
`.env.local` and the server always agree. The grants are re-applied on every `up`, in one transaction per
database, so tables created since are covered and privileges of older versions are taken back.
"""

from __future__ import annotations

from collections.abc import Mapping

import psycopg
from psycopg import sql

from dagster_project.config import database
from dagster_project.config.roles import (
    DATABASES,
    DatabaseSpec,
    create_role,
    database_access,
    role_attributes,
    schema_owner,
    warehouse_statements,
)


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
