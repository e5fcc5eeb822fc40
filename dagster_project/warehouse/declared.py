"""The declared shape of the platform's own warehouse tables: DBML files under `dbml/supabase/`, parsed with
pydbml (a maintained parser, not by hand).

Conventions beyond plain DBML, each because Postgres needs it and DBML has no word for it: a default is a
backtick expression as Postgres prints it (`now()`, `'{}'::jsonb`); `increment` is an identity column and
`bigserial` a serial one; an index whose note starts `where:` is partial.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydbml import PyDBML
from pydbml.classes import Column as DbmlColumn
from pydbml.classes import Expression, Reference
from pydbml.classes import Table as DbmlTable
from pyparsing import ParseBaseException

from dagster_project import paths
from dagster_project.warehouse.shape import IDENTITY, TYPE_PATTERN, Column, ForeignKey, Index, Table, canonical_type

WHERE_NOTE = "where:"
ON_DELETE = ("NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT")


class DeclarationError(ValueError):
    """A DBML file cannot be read as a declaration; the message names the file, the line and the fix."""


def declaration_dir() -> Path:
    return paths.PROJECT_ROOT / "dbml" / "supabase"


def declaration_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or declaration_dir()).glob("*.dbml"))


def fingerprint(files: list[Path]) -> str:
    """What a migration records: the declaration it brought the database to."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def read_declaration(directory: Path | None = None) -> dict[str, Table]:
    """Every declared table, keyed `schema.table`; the files of one directory are one declaration."""
    files = declaration_files(directory)
    if not files:
        raise DeclarationError(f"no .dbml file in {directory or declaration_dir()}: the warehouse's own schemas "
                               "are declared there (docs/warehouse-schema.md)")
    tables: dict[str, Table] = {}
    for file in files:
        for table in _read_file(file):
            if table.qualified in tables:
                raise DeclarationError(f"{file}: table {table.qualified} is declared twice (also in "
                                       f"{tables[table.qualified].source}); keep one")
            tables[table.qualified] = table
    return tables


def _read_file(file: Path) -> list[Table]:
    try:
        parsed = PyDBML(file.read_text())
    except ParseBaseException as exc:
        raise DeclarationError(f"{file}:{exc.lineno}:{exc.col}: not valid DBML ({exc.msg}); "
                               "see https://dbml.dbdiagram.io/docs") from exc
    tables = {}
    for dbml in parsed.tables:
        where = f"{file.name}: table {dbml.schema}.{dbml.name}"
        if dbml.schema == "public":
            raise DeclarationError(f"{where}: name the schema (`Table ops.{dbml.name}`); public is the Odoo replica")
        tables[id(dbml)] = _table(dbml, file)
    for ref in parsed.refs:
        _add_reference(ref, tables, file)
    return list(tables.values())


def _table(dbml: DbmlTable, file: Path) -> Table:
    where = f"{file.name}: {dbml.schema}.{dbml.name}"
    columns = {c.name: _column(c, where) for c in dbml.columns}
    primary = tuple(c.name for c in dbml.columns if c.pk)
    uniques = {(c.name,) for c in dbml.columns if c.unique}
    indexes = {}
    for index in dbml.indexes:
        subjects = tuple(s.name if isinstance(s, DbmlColumn) else s.text if isinstance(s, Expression) else str(s)
                         for s in index.subjects)
        if index.pk:
            primary = subjects
            continue
        if not index.name:
            raise DeclarationError(f"{where}: index ({', '.join(subjects)}) needs [name: '...'] so drift and "
                                   "migrations can name it")
        note = index.note.text.strip() if index.note else ""
        partial = note[len(WHERE_NOTE):].strip() if note.lower().startswith(WHERE_NOTE) else None
        indexes[index.name] = Index(index.name, subjects, index.unique, partial)
    return Table(dbml.schema, dbml.name, columns, primary, frozenset(uniques), frozenset(), indexes,
                 note=dbml.note.text.strip() if dbml.note else "", source=f"{file.name}")


def _column(dbml: DbmlColumn, where: str) -> Column:
    type_, generated = canonical_type(str(dbml.type))
    if not TYPE_PATTERN.match(type_):
        raise DeclarationError(f"{where}.{dbml.name}: type {dbml.type!r} is not a Postgres type name "
                               "(e.g. text, numeric(12,1), timestamptz)")
    if dbml.autoinc:
        generated = IDENTITY
    default = dbml.default
    if isinstance(default, Expression):
        default = default.text
    elif isinstance(default, bool):
        default = str(default).lower()
    elif isinstance(default, int | float):
        default = str(default)
    elif default is not None:
        raise DeclarationError(f"{where}.{dbml.name}: write the default {default!r} as a backtick expression, as "
                               f"Postgres prints it (e.g. default: `'{default}'::text`)")
    return Column(dbml.name, type_, not (dbml.not_null or dbml.pk), default, generated,
                  dbml.note.text.strip() if dbml.note else "")


def _add_reference(ref: Reference, tables: dict[int, Table], file: Path) -> None:
    many, one = (ref.col1, ref.col2) if ref.type in (">", "-") else (ref.col2, ref.col1)
    if ref.type == "<>":
        raise DeclarationError(f"{file.name}: a many-to-many reference needs a link table in Postgres")
    source, target = many[0].table, one[0].table
    if id(source) not in tables:
        return
    on_delete = (ref.on_delete or "no action").upper()
    if on_delete not in ON_DELETE:
        raise DeclarationError(f"{file.name}: reference to {target.schema}.{target.name}: delete: {ref.on_delete} "
                               f"is none of {', '.join(a.lower() for a in ON_DELETE)}")
    fk = ForeignKey(tuple(c.name for c in many), f"{target.schema}.{target.name}", tuple(c.name for c in one),
                    on_delete)
    table = tables[id(source)]
    table.foreign_keys = table.foreign_keys | {fk}
