"""Roles, databases and schemas of the local stack, as PRODUCT.md's local instance matrix names them.

Idempotent: every statement checks the catalog first, and passwords are re-set from the secrets file so
`.env.local` and the server always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class DatabaseSpec:
    name: str
    owner: str
    schemas: tuple[str, ...] = ()


LOGIN_ROLES = ("odoo", "superset", "dagster")
# The subscription connects as this role: it may stream WAL and (granted by `hybrid replication setup`)
# read the published tables, nothing else.
REPLICATION_ROLES = ("odoo_replicator",)
DATABASES = (
    DatabaseSpec("odoo_local", "odoo"),
    DatabaseSpec("postgres", "postgres", ("public", "analytics", "warehouse", "ocr", "ops")),
    DatabaseSpec("superset_meta", "superset"),
    DatabaseSpec("dagster", "dagster"),
)
# Superset reads the warehouse as this role: USAGE and SELECT on these schemas (and on tables created
# later), no write anywhere; read-only transactions by default as a second guard.
READER_ROLE = "superset_reader"
READER_DATABASE = "postgres"
READER_SCHEMAS = ("warehouse", "analytics", "ocr")


def provision(admin_dsn: str, passwords: Mapping[str, str]) -> list[str]:
    """Create what is missing; returns what was created, for the progress output."""
    created: list[str] = []
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for role in LOGIN_ROLES:
            if not _exists(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", role):
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
                created.append(f"role {role}")
            conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(passwords[role])))
        for role in REPLICATION_ROLES:
            if not _exists(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", role):
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN REPLICATION").format(sql.Identifier(role)))
                created.append(f"role {role}")
            conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN REPLICATION NOSUPERUSER PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(passwords[role])))
        for spec in DATABASES:
            if not _exists(conn, "SELECT 1 FROM pg_database WHERE datname = %s", spec.name):
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8'").format(
                    sql.Identifier(spec.name), sql.Identifier(spec.owner)))
                created.append(f"database {spec.name}")
    for spec in DATABASES:
        if spec.schemas:
            created += _create_schemas(admin_dsn, spec)
    created += _provision_reader(admin_dsn, passwords[READER_ROLE])
    return created


def _provision_reader(admin_dsn: str, password: str) -> list[str]:
    """The read-only warehouse role; grants are re-applied on every `up` so new tables are covered."""
    created = []
    role = sql.Identifier(READER_ROLE)
    owner = sql.Identifier(next(spec.owner for spec in DATABASES if spec.name == READER_DATABASE))
    dsn = admin_dsn.rsplit("/", 1)[0] + "/" + READER_DATABASE
    with psycopg.connect(dsn, autocommit=True) as conn:
        if not _exists(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", READER_ROLE):
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
            created.append(f"role {READER_ROLE}")
        conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                             "PASSWORD {}").format(role, sql.Literal(password)))
        conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(role))
        for schema in map(sql.Identifier, READER_SCHEMAS):
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
            conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, role))
            conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} "
                                 "GRANT SELECT ON TABLES TO {}").format(owner, schema, role))
    return created


def _create_schemas(admin_dsn: str, spec: DatabaseSpec) -> list[str]:
    created = []
    dsn = admin_dsn.rsplit("/", 1)[0] + "/" + spec.name
    with psycopg.connect(dsn, autocommit=True) as conn:
        for schema in spec.schemas:
            if not _exists(conn, "SELECT 1 FROM pg_namespace WHERE nspname = %s", schema):
                conn.execute(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(
                    sql.Identifier(schema), sql.Identifier(spec.owner)))
                created.append(f"schema {spec.name}.{schema}")
    return created


def _exists(conn: psycopg.Connection, query: str, name: str) -> bool:
    return conn.execute(query, (name,)).fetchone() is not None
