"""Table shapes as DBML text, rendered by pydbml: the marts' contracts and the Odoo snapshot as diagrams for
the docs (dbml/warehouse/, dbml/odoo/), each file a generated one that a test keeps current."""

from __future__ import annotations

from collections.abc import Iterable

from pydbml import Database
from pydbml.classes import Column as DbmlColumn
from pydbml.classes import Expression, Index, Reference
from pydbml.classes import Table as DbmlTable
from pydbml.exceptions import ColumnNotFoundError

from dagster_project.warehouse.declared import WHERE_NOTE
from dagster_project.warehouse.shape import IDENTITY, Column, Table, spelt_type


def to_dbml(tables: Iterable[Table], header: str) -> str:
    """One DBML document; `header` is a comment saying where it comes from and how to regenerate it."""
    database = Database()
    made: dict[str, DbmlTable] = {}
    tables = list(tables)
    for table in tables:
        dbml = DbmlTable(table.name, schema=table.schema, note=table.note or None,
                         columns=[_column(c, table) for c in table.columns.values()])
        for name, index in table.indexes.items():
            dbml.add_index(Index([_subject(dbml, s) for s in index.columns], name=name, unique=index.unique,
                                 note=f"{WHERE_NOTE} {index.where}" if index.where else None))
        if len(table.primary_key) > 1:
            dbml.add_index(Index([dbml[c] for c in table.primary_key], pk=True))
        database.add(dbml)
        made[table.qualified] = dbml
    for table in tables:
        for fk in sorted(table.foreign_keys, key=lambda f: f.columns):
            if fk.target in made:
                database.add(Reference(">", [made[table.qualified][c] for c in fk.columns],
                                       [made[fk.target][c] for c in fk.target_columns],
                                       on_delete=fk.on_delete.lower() if fk.on_delete != "NO ACTION" else None))
    comment = "".join(f"// {line}\n" for line in header.splitlines())
    return comment + "\n" + database.dbml.strip() + "\n"


def _column(column: Column, table: Table) -> DbmlColumn:
    type_ = spelt_type(column.type, column.generated)
    single_pk = table.primary_key == (column.name,)
    return DbmlColumn(column.name, _quoted(type_), unique=(column.name,) in table.uniques,
                      not_null=column.nullable is False and not single_pk, pk=single_pk,
                      autoinc=column.generated == IDENTITY,
                      default=Expression(column.default) if column.default is not None else None,
                      note=column.note or None)


def _quoted(type_: str) -> str:
    """DBML reads a type with a space only between quotes."""
    return f'"{type_}"' if " " in type_ else type_


def _subject(table: DbmlTable, subject: str) -> DbmlColumn | Expression:
    try:
        return table[subject]
    except ColumnNotFoundError:
        return Expression(subject)
