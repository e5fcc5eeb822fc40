"""Creating a schema only when it is missing.

A job's role owns its schema (provisioning made it) but may not create schemas in the database, and
`CREATE SCHEMA IF NOT EXISTS` checks that privilege before it looks whether the schema exists.
"""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row


def ensure_schema(conn: psycopg.Connection, name: str) -> None:
    """Works on any connection, whatever its row factory."""
    with conn.cursor(row_factory=tuple_row) as cur:
        if cur.execute("SELECT to_regnamespace(%s) IS NULL", (name,)).fetchone()[0]:
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(name)))


def ensure_tables(conn: psycopg.Connection, schema: str, tables: dict[str, str]) -> None:
    """Each `<schema>.<table> (<columns>)` that is missing; the column lists are constants of the calling
    module, never input."""
    ensure_schema(conn, schema)
    for table, columns in tables.items():
        conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})")  # columns: the caller's constants
                     .format(sql.Identifier(schema, table), sql.SQL(columns)))
