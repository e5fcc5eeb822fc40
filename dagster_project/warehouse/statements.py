"""The SQL that resolves each drift change, built with psycopg.sql: names as identifiers; types, defaults,
index expressions and predicates as SQL text, because they come from the declaration (a file of the
repository, whose types were checked against TYPE_PATTERN when it was read), never from outside.

Drops are destructive (a table, a column, a key, an index, a policy, row-level security turned off) and so
is a type change (the USING cast may lose data); everything else only adds or loosens."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from dagster_project.warehouse.diff import CHANGED, EXTRA, MISSING, Change
from dagster_project.warehouse.shape import IDENTITY, Column, ForeignKey, Index, Table, spelt_type

# the order statements run in: drops before creates, tables before what refers to them
PHASES = ("drop_key", "drop_column", "drop_table", "table", "column", "alter", "key", "foreign_key", "index",
          "security")


class ManualChange(ValueError):
    """A change no statement makes safely (a column becoming serial or identity); the message says what to do."""


@dataclass(frozen=True)
class Statement:
    change: Change
    sql: sql.Composed
    destructive: bool
    phase: str

    @property
    def schema(self) -> str:
        return self.change.table.split(".", 1)[0]


def statements_for(change: Change) -> list[Statement]:
    table = sql.Identifier(*change.table.split(".", 1))
    build = _BUILDERS[change.type]
    return [Statement(change, statement, destructive, phase) for statement, destructive, phase in
            build(change, table)]


def _table(change: Change, table: sql.Identifier) -> list[tuple[sql.Composed, bool, str]]:
    if change.action == EXTRA:
        return [(sql.SQL("DROP TABLE {}").format(table), True, "drop_table")]
    declared: Table = change.declared
    parts = [_column_sql(c) for c in declared.columns.values()]
    if declared.primary_key:
        parts.append(sql.SQL("PRIMARY KEY ({})").format(_names(declared.primary_key)))
    parts += [sql.SQL("UNIQUE ({})").format(_names(columns)) for columns in sorted(declared.uniques)]
    statements = [(sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(parts)), False, "table")]
    statements += [(_add_foreign_key(table, fk), False, "foreign_key")
                   for fk in sorted(declared.foreign_keys, key=str)]
    statements += [(_create_index(table, index), False, "index") for index in declared.indexes.values()]
    return statements


def _column(change: Change, table: sql.Identifier) -> list[tuple[sql.Composed, bool, str]]:
    name = change.name.rsplit(".", 1)[1]
    if change.action == MISSING:
        return [(sql.SQL("ALTER TABLE {} ADD COLUMN {}").format(table, _column_sql(change.declared)), False,
                 "column")]
    if change.action == EXTRA:
        return [(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(table, sql.Identifier(name)), True, "drop_column")]
    column, statements = sql.Identifier(name), []
    declared: Column = change.declared
    for field in change.fields:
        path = field["path"]
        if path == "generated":
            raise ManualChange(f"{change.name}: declared {field['expected'] or 'a plain column'}, live "
                               f"{field['actual'] or 'a plain column'}; no statement changes that safely: "
                               "add a new column, copy the values, then drop the old one")
        if path == "type":
            statements.append((sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}::{}").format(
                table, column, sql.SQL(declared.type), column, sql.SQL(declared.type)), True, "alter"))
        elif path == "nullable":
            verb = "DROP NOT NULL" if declared.nullable else "SET NOT NULL"
            statements.append((sql.SQL("ALTER TABLE {} ALTER COLUMN {} " + verb).format(table, column), False,
                               "alter"))
        elif path == "default":
            if declared.default is None:
                statement = sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(table, column)
            else:
                statement = sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                    table, column, sql.SQL(declared.default))
            statements.append((statement, False, "alter"))
    return statements


def _primary_key(change: Change, table: sql.Identifier) -> list[tuple[sql.Composed, bool, str]]:
    statements = []
    if change.action in (EXTRA, CHANGED):
        statements.append((_drop_constraint(change, table), True, "drop_key"))
    if change.action in (MISSING, CHANGED):
        statements.append((sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(table, _names(change.declared)),
                           False, "key"))
    return statements


def _unique(change: Change, table: sql.Identifier) -> list[tuple[sql.Composed, bool, str]]:
    if change.action == EXTRA:
        return [(_drop_constraint(change, table), True, "drop_key")]
    return [(sql.SQL("ALTER TABLE {} ADD UNIQUE ({})").format(table, _names(change.declared)), False, "key")]


def _foreign_key(change: Change, table: sql.Identifier) -> list[tuple[sql.Composed, bool, str]]:
    if change.action == EXTRA:
        return [(_drop_constraint(change, table), True, "drop_key")]
    return [(_add_foreign_key(table, change.declared), False, "foreign_key")]


def _index(change: Change, table: sql.Identifier) -> list[tuple[sql.Composed, bool, str]]:
    schema = change.table.split(".", 1)[0]
    statements = []
    if change.action in (EXTRA, CHANGED):
        statements.append((sql.SQL("DROP INDEX {}").format(sql.Identifier(schema, change.name)), True, "drop_key"))
    if change.action in (MISSING, CHANGED):
        statements.append((_create_index(table, change.declared), False, "index"))
    return statements


def _rls(change: Change, table: sql.Identifier) -> list[tuple[sql.Composed, bool, str]]:
    verb = "ENABLE" if change.declared else "DISABLE"
    return [(sql.SQL("ALTER TABLE {} " + verb + " ROW LEVEL SECURITY").format(table), not change.declared,
             "security")]


def _policy(change: Change, table: sql.Identifier) -> list[tuple[sql.Composed, bool, str]]:
    if change.action != EXTRA:
        raise ManualChange(f"{change.name}: a declared policy is made by whoever declares it (the marts': "
                           "`hybrid dbt build`)")
    return [(sql.SQL("DROP POLICY {} ON {}").format(sql.Identifier(change.live.name), table), True, "security")]


_BUILDERS = {"table": _table, "column": _column, "primary_key": _primary_key, "unique": _unique,
             "foreign_key": _foreign_key, "index": _index, "rls": _rls, "policy": _policy}


def _column_sql(column: Column) -> sql.Composed:
    parts = [sql.Identifier(column.name), sql.SQL(spelt_type(column.type, column.generated))]
    if column.generated == IDENTITY:
        parts.append(sql.SQL("GENERATED ALWAYS AS IDENTITY"))
    if column.default is not None:
        parts.append(sql.SQL("DEFAULT {}").format(sql.SQL(column.default)))
    if column.nullable is False:
        parts.append(sql.SQL("NOT NULL"))
    return sql.SQL(" ").join(parts)


def _names(columns: tuple[str, ...]) -> sql.Composed:
    return sql.SQL(", ").join(map(sql.Identifier, columns))


def _add_foreign_key(table: sql.Identifier, fk: ForeignKey) -> sql.Composed:
    return sql.SQL("ALTER TABLE {} ADD FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE " + fk.on_delete).format(
        table, _names(fk.columns), sql.Identifier(*fk.target.split(".", 1)), _names(fk.target_columns))


def _create_index(table: sql.Identifier, index: Index) -> sql.Composed:
    keys = sql.SQL(", ").join(sql.Identifier(c) if c.isidentifier() else sql.SQL(c) for c in index.columns)
    statement = sql.SQL("CREATE " + ("UNIQUE " if index.unique else "") + "INDEX {} ON {} ({})").format(
        sql.Identifier(index.name), table, keys)
    if index.where:
        statement = sql.SQL("{} WHERE {}").format(statement, sql.SQL(index.where))
    return statement


def _drop_constraint(change: Change, table: sql.Identifier) -> sql.Composed:
    return sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(table, sql.Identifier(change.constraint or ""))
