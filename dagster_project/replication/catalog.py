"""Table shapes read from a database's catalog: the one description source, replica and snapshots share.

Types are `format_type` text (`character varying`, `numeric(16,2)`), so a source's type can be written
into the replica's DDL as is and compared across databases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from psycopg import sql

_COLUMNS = sql.SQL("""
    SELECT n.nspname || '.' || c.relname, c.relreplident, a.attname, format_type(a.atttypid, a.atttypmod),
           a.attnotnull, a.atthasdef OR a.atthasmissing
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    WHERE c.relkind IN ('r', 'p') AND {where}
    ORDER BY 1, a.attnum""")

_KEYS = sql.SQL("""
    SELECT n.nspname || '.' || c.relname, i.indisprimary, ic.relname, pg_get_indexdef(i.indexrelid),
           array(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord),
           i.indpred IS NULL AND i.indimmediate AND i.indexprs IS NULL
             AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey::int2[]) k(attnum)
                             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                             WHERE NOT a.attnotnull)
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE i.indisunique AND {where}
    ORDER BY 1, i.indisprimary DESC, ic.relname""")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool = False
    has_default: bool = False  # rows that existed when it was added hold a value the replica never received


@dataclass(frozen=True)
class UniqueIndex:
    name: str
    columns: tuple[str, ...]
    definition: str
    identity_capable: bool  # non-partial, immediate, plain NOT NULL columns: usable as REPLICA IDENTITY


@dataclass(frozen=True)
class TableShape:
    qualified: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    replica_identity: str = "d"  # pg_class.relreplident: d default (the primary key), f full, i index, n nothing
    unique_indexes: tuple[UniqueIndex, ...] = ()

    @property
    def column_types(self) -> dict[str, str]:
        return {column.name: column.type for column in self.columns}

    def as_dict(self) -> dict[str, object]:
        return {"columns": self.column_types, "primary_key": list(self.primary_key)}


def read_tables(conn: psycopg.Connection, qualified: Iterable[str]) -> dict[str, TableShape]:
    """The shapes of the named tables (schema.table) that exist; missing ones are simply absent."""
    names = list(qualified)
    return _read(conn, sql.SQL("n.nspname || '.' || c.relname = ANY(%(names)s)"), {"names": names})


def read_schemas(conn: psycopg.Connection, schemas: Iterable[str]) -> dict[str, TableShape]:
    """Every ordinary table of the given schemas (what a schema snapshot records)."""
    return _read(conn, sql.SQL("n.nspname = ANY(%(schemas)s)"), {"schemas": list(schemas)})


def _read(conn: psycopg.Connection, where: sql.SQL, params: dict[str, list[str]]) -> dict[str, TableShape]:
    columns: dict[str, list[Column]] = {}
    identity: dict[str, str] = {}
    for table, replident, name, type_, not_null, default in conn.execute(_COLUMNS.format(where=where), params):
        columns.setdefault(table, []).append(Column(name, type_, not_null, default))
        identity[table] = replident
    primary: dict[str, tuple[str, ...]] = {}
    unique: dict[str, list[UniqueIndex]] = {}
    for table, is_primary, name, definition, cols, capable in conn.execute(_KEYS.format(where=where), params):
        if is_primary:
            primary[table] = tuple(cols)
        else:
            unique.setdefault(table, []).append(UniqueIndex(name, tuple(cols), definition, capable))
    return {
        table: TableShape(table, tuple(cols), primary.get(table, ()), identity[table], tuple(unique.get(table, ())))
        for table, cols in columns.items()
    }
