"""The live shape of a warehouse's schemas, read from the Postgres catalog in a few queries (not one per
table), with the same spellings as the declarations: `format_type` types, `pg_get_expr` defaults."""

from __future__ import annotations

import re
from collections.abc import Iterable

import psycopg
from psycopg.rows import tuple_row

from dagster_project.warehouse.shape import IDENTITY, SERIAL, Column, ForeignKey, Index, Policy, Table

_TABLES = """
SELECT n.nspname, c.relname, CASE WHEN c.relkind IN ('v', 'm') THEN 'view' ELSE 'table' END, c.relrowsecurity
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm')
  AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)
ORDER BY 1, 2"""
_COLUMNS = """
SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY 1, 2, a.attnum"""
_CONSTRAINTS = """
SELECT n.nspname, c.relname, k.conname, k.contype,
       ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(num, pos)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num ORDER BY u.pos),
       fn.nspname || '.' || fc.relname,
       ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(num, pos)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num ORDER BY u.pos),
       k.confdeltype
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = k.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND k.contype IN ('p', 'u', 'f')
ORDER BY 1, 2, k.conname"""
_INDEXES = """
SELECT n.nspname, c.relname, i.relname, x.indisunique, pg_get_indexdef(x.indexrelid),
       pg_get_expr(x.indpred, x.indrelid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s) AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
ORDER BY 1, 2, 3"""
_POLICIES = """
SELECT schemaname, tablename, policyname, cmd, qual FROM pg_policies WHERE schemaname = ANY(%(schemas)s)
ORDER BY 1, 2, 3"""
_ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_INDEX_COLUMNS = re.compile(r" USING \w+ \((?P<columns>.*)\)$")


def read_tables(conn: psycopg.Connection, schemas: Iterable[str]) -> dict[str, Table]:
    """Every table and view of `schemas`, keyed `schema.table`; a schema that does not exist has none."""
    params = {"schemas": list(schemas)}
    with conn.cursor(row_factory=tuple_row) as cur:
        tables = {f"{s}.{t}": Table(s, t, kind=kind, rls=rls) for s, t, kind, rls in cur.execute(_TABLES, params)}
        for schema, name, column, type_, nullable, default, identity in cur.execute(_COLUMNS, params):
            if (table := tables.get(f"{schema}.{name}")) is not None:
                table.columns[column] = _column(column, type_, nullable, default, identity)
        for schema, name, constraint, kind, columns, target, target_columns, on_delete in cur.execute(
                _CONSTRAINTS, params):
            table = tables[f"{schema}.{name}"]
            table.constraint_names[(kind, tuple(columns))] = constraint
            _constraint(table, kind, tuple(columns), target, tuple(target_columns or ()), on_delete)
        for schema, name, index, unique, definition, where in cur.execute(_INDEXES, params):
            if (table := tables.get(f"{schema}.{name}")) is not None:
                key = definition[:definition.rfind(" WHERE ")] if where else definition
                table.indexes[index] = Index(index, index_columns(key), unique, where)
        for schema, name, policy, command, using in cur.execute(_POLICIES, params):
            tables[f"{schema}.{name}"].policies[policy] = Policy(policy, command, using)
    return tables


def _column(name: str, type_: str, nullable: bool, default: str | None, identity: str) -> Column:
    if identity:
        return Column(name, type_, nullable, None, IDENTITY)
    if default and default.startswith("nextval("):
        return Column(name, type_, nullable, None, SERIAL)
    return Column(name, type_, nullable, default)


def _constraint(table: Table, kind: str, columns: tuple[str, ...], target: str | None,
                target_columns: tuple[str, ...], on_delete: str | None) -> None:
    if kind == "p":
        table.primary_key = columns
    elif kind == "u":
        table.uniques = table.uniques | {columns}
    else:
        fk = ForeignKey(columns, target or "", target_columns, _ON_DELETE.get(on_delete or "a", "NO ACTION"))
        table.foreign_keys = table.foreign_keys | {fk}


def index_columns(definition: str) -> tuple[str, ...]:
    """The key columns of `CREATE INDEX ... USING btree (env, id DESC)` (its WHERE cut off), split at
    top-level commas."""
    match = _INDEX_COLUMNS.search(definition)
    if not match:
        return (definition,)
    parts, depth, current = [], 0, ""
    for char in match.group("columns"):
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    return (*parts, current.strip())
