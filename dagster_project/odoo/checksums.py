"""Content checksums of tables, to prove two copies (seed vs seed, publisher vs subscriber) hold the same rows."""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql

from dagster_project.odoo.schema import TABLES

_PRIMARY_KEY = """
    SELECT a.attname
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
    WHERE i.indisprimary AND c.relname = %s AND n.nspname = current_schema()
    ORDER BY k.position
"""


def primary_key(conn: psycopg.Connection, table: str) -> list[str]:
    columns = [row[0] for row in conn.execute(_PRIMARY_KEY, (table,))]
    if not columns:
        raise ValueError(f"table {table!r} has no primary key in schema {current_schema(conn)!r}")
    return columns


def current_schema(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT current_schema()").fetchone()
    return row[0] if row else ""


def table_checksum(conn: psycopg.Connection, table: str) -> str:
    """md5 of every row's text form, in primary-key order (md5 of nothing for an empty table)."""
    order = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in primary_key(conn, table))
    query = sql.SQL("SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {}), '')) FROM {} AS t").format(
        order, sql.Identifier(table)
    )
    row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def table_checksums(conn: psycopg.Connection, tables: Iterable[str] | None = None) -> dict[str, str]:
    """Checksums per table; by default every Odoo table the seed creates."""
    names = list(tables) if tables is not None else [table.name for table in TABLES]
    return {name: table_checksum(conn, name) for name in names}
