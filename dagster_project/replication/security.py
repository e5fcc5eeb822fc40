"""Least privilege around replication: the replication role reads the published tables and nothing else,
and Supabase's API roles cannot read the replicas through the REST API that serves schema public."""

from __future__ import annotations

import psycopg
from psycopg import sql

from dagster_project.replication.config import ReplicationConfig

API_ROLES = ("anon", "authenticated", "service_role")

_DIRECT_GRANTS = """
    SELECT n.nspname || '.' || c.relname, array_agg(DISTINCT r.rolname ORDER BY r.rolname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee
    WHERE c.relkind IN ('r', 'p') AND r.rolname = ANY(%s) AND (%s::text IS NULL OR a.privilege_type = %s)
    GROUP BY 1"""


def _direct_grants(conn: psycopg.Connection, roles: list[str], privilege: str | None) -> dict[str, list[str]]:
    """schema.table -> the roles (of `roles`) holding a direct grant (of `privilege`, or any) on it."""
    return dict(conn.execute(_DIRECT_GRANTS, (roles, privilege, privilege)).fetchall())


def _ident(qualified: str) -> sql.Identifier:
    return sql.Identifier(*qualified.split(".", 1))


def grant_replicator(conn: psycopg.Connection, role: str, config: ReplicationConfig) -> list[str]:
    """SELECT on exactly the configured tables (and USAGE on their schemas) for the replication role."""
    actions = []
    wanted = {t.qualified for t in config.tables}
    for schema in sorted({t.schema for t in config.tables}):
        if not conn.execute("SELECT has_schema_privilege(%s, %s, 'USAGE')", (role, schema)).fetchone()[0]:
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema),
                                                                         sql.Identifier(role)))
            actions.append(f"granted USAGE on schema {schema} to {role}")
    granted = set(_direct_grants(conn, [role], "SELECT"))
    for table in sorted(wanted - granted):
        conn.execute(sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(_ident(table), sql.Identifier(role)))
    if wanted - granted:
        actions.append(f"granted SELECT on {len(wanted - granted)} tables to {role}")
    for table in sorted(granted - wanted):
        conn.execute(sql.SQL("REVOKE SELECT ON TABLE {} FROM {}").format(_ident(table), sql.Identifier(role)))
        actions.append(f"{role} may no longer read {table} (not replicated)")
    return actions


def revoke_api_roles(conn: psycopg.Connection, config: ReplicationConfig) -> list[str]:
    """Revoke every privilege the Supabase API roles that exist hold on the replica tables."""
    wanted = {t.qualified for t in config.tables}
    actions = []
    for table, roles in sorted(_direct_grants(conn, list(API_ROLES), None).items()):
        if table in wanted:
            conn.execute(sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(
                _ident(table), sql.SQL(", ").join(map(sql.Identifier, roles))))
            actions.append(f"revoked {', '.join(roles)} access to replica {table}")
    return actions
