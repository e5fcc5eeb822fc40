"""The publication on the Odoo database: its membership follows config/replication.yaml."""

from __future__ import annotations

import psycopg
from psycopg import sql

from dagster_project.replication.config import ReplicationConfig, ReplicationError


def published_tables(conn: psycopg.Connection, name: str) -> set[str] | None:
    """The tables of publication `name`, or None when it does not exist."""
    row = conn.execute("SELECT puballtables FROM pg_publication WHERE pubname = %s", (name,)).fetchone()
    if row is None:
        return None
    if row[0]:
        raise ReplicationError(f"publication {name} on the Odoo database publishes ALL TABLES, so its membership "
                               "cannot follow config/replication.yaml",
                               f"drop it (DROP PUBLICATION {name}) and run `hybrid replication setup` again")
    rows = conn.execute("SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = %s",
                        (name,))
    return {r[0] for r in rows}


def reconcile(conn: psycopg.Connection, config: ReplicationConfig) -> list[str]:
    """Create the publication or add and drop tables until it holds exactly the configured ones."""
    name = sql.Identifier(config.publication)
    wanted = [t.qualified for t in config.tables]
    current = published_tables(conn, config.publication)
    if current is None:
        conn.execute(sql.SQL("CREATE PUBLICATION {} FOR TABLE {}").format(name, _tables(wanted)))
        return [f"created publication {config.publication} with {len(wanted)} tables"]
    actions = []
    added = [t for t in wanted if t not in current]
    dropped = sorted(current - set(wanted))
    if added:
        conn.execute(sql.SQL("ALTER PUBLICATION {} ADD TABLE {}").format(name, _tables(added)))
        actions.append(f"added to publication {config.publication}: {', '.join(added)}")
    if dropped:
        conn.execute(sql.SQL("ALTER PUBLICATION {} DROP TABLE {}").format(name, _tables(dropped)))
        actions.append(f"removed from publication {config.publication}: {', '.join(dropped)}")
    return actions


def _tables(qualified: list[str]) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(*name.split(".", 1)) for name in qualified)
