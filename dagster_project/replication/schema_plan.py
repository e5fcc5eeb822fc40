"""Every difference between Odoo's replicated tables and their warehouse replicas, each with its heal.

DDL does not replicate, so each source schema change leaves the replica behind; what the replica needs:
- a new column: added (a default, constant or volatile, gave existing source rows values no change carried:
  the table is copied again);
- a dropped column: dropped (the other columns are unchanged);
- a renamed or retyped column: renamed, or cast to the new type, then proven by checksums; if the values
  differ (a "rename" that was a drop and an add, a cast that rounds differently) the table is copied again;
- a renamed table: renamed (the publication follows the table, the subscription follows the name), and
  config/replication.yaml has to name it anew;
- a dropped table: nothing is dropped in the warehouse (dbt reads it); it is reported with its DDL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import psycopg
from psycopg import sql

from dagster_project.replication import publication
from dagster_project.replication.catalog import Column, TableShape, UniqueIndex, read_tables
from dagster_project.replication.config import ReplicationConfig


@dataclass(frozen=True)
class SchemaChange:
    table: str
    kind: str  # table_added, column_added, column_removed, column_renamed, column_type_changed, table_renamed,
    #            table_unpublished, table_dropped_on_source
    detail: str
    ddl: tuple[str, ...]
    automatic: bool  # sync-schema applies it
    recopy: bool = False  # the replica cannot derive the existing rows' values: the table is copied again
    prove: bool = False  # the result is compared by checksums after applying; a difference re-copies the table
    fallback: tuple[str, ...] = ()  # DDL when `ddl` fails on the replica's values (a cast that does not apply)
    config_edit: str | None = None  # what config/replication.yaml must say after the heal
    renamed_to: str | None = None  # table_renamed: the table's new schema.table

    @property
    def additive(self) -> bool:
        """Safe for setup to apply without a proof."""
        return self.kind in ("table_added", "column_added")

    @property
    def summary(self) -> str:
        return f"{self.table}: {self.kind.replace('_', ' ')}" + (f" ({self.detail})" if "column" in self.kind else "")

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "ddl": list(self.ddl), "fallback": list(self.fallback)}


# -- DDL ------------------------------------------------------------------------------------------
def create_table_statements(shape: TableShape) -> list[sql.Composed]:
    """The replica of a source table: its columns, types and primary key (no defaults: sequences do not
    replicate). A table without a primary key gets the unique NOT NULL index the source identifies its rows
    by (setup makes it the replica identity on both sides), so updates and deletes find their row."""
    schema, name = shape.qualified.split(".", 1)
    keyed = set(shape.primary_key) | {c for index in _identity_indexes(shape) for c in index.columns}
    parts = [_column_sql(column, column.name in keyed) for column in shape.columns]
    if shape.primary_key:
        parts.append(sql.SQL("PRIMARY KEY ({})").format(sql.SQL(", ").join(map(sql.Identifier, shape.primary_key))))
    statements = [sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(schema, name), sql.SQL(", ").join(parts))]
    for index in _identity_indexes(shape)[:1]:
        statements.append(sql.SQL("CREATE UNIQUE INDEX {} ON {} ({})").format(
            sql.Identifier(index.name), sql.Identifier(schema, name),
            sql.SQL(", ").join(map(sql.Identifier, index.columns))))
        statements.append(sql.SQL("ALTER TABLE {} REPLICA IDENTITY USING INDEX {}").format(
            sql.Identifier(schema, name), sql.Identifier(index.name)))
    return statements


def _identity_indexes(shape: TableShape) -> list[UniqueIndex]:
    return [] if shape.primary_key else [index for index in shape.unique_indexes if index.identity_capable]


def _column_sql(column: Column, not_null: bool) -> sql.Composed:
    return sql.SQL("{} {}{}").format(sql.Identifier(column.name), sql.SQL(column.type),
                                     sql.SQL(" NOT NULL") if not_null else sql.SQL(""))


def _alter(table: str, action: sql.Composable) -> sql.Composed:
    return sql.SQL("ALTER TABLE {} {}").format(sql.Identifier(*table.split(".", 1)), action)


# -- planning -------------------------------------------------------------------------------------
def changes_between(src: psycopg.Connection, wh: psycopg.Connection, config: ReplicationConfig,
                    subscribed: Iterable[str] = ()) -> list[SchemaChange]:
    """Read both catalogs (`src` may be the replication role's connection) and plan."""
    names = [t.qualified for t in config.tables]
    published = publication.published_tables(src, config.publication) or set()
    extra = sorted(published - set(names))
    return plan(wh, config, read_tables(src, names + extra), read_tables(wh, names + extra), subscribed, published)


def plan(conn: psycopg.Connection, config: ReplicationConfig, source: dict[str, TableShape],
         replica: dict[str, TableShape], subscribed: Iterable[str] = (),
         published: Iterable[str] = ()) -> list[SchemaChange]:
    """Every difference between the configured source tables and their replicas (`conn` renders DDL).
    `published` lists the publication's tables: one the config does not name is a configured table Odoo
    renamed (the publication holds the table, whatever its name)."""
    configured = {t.qualified for t in config.tables}
    renamed = _renamed_tables(config, source, replica, set(published) - configured)
    changes: list[SchemaChange] = []
    for table in config.tables:
        name = table.qualified
        if name in renamed:
            changes.append(_table_renamed(conn, config, name, renamed[name], replica))
            if renamed[name] in replica:
                changes += _column_changes(conn, renamed[name], source[renamed[name]], replica[renamed[name]])
        elif name not in source:
            changes.append(_table_dropped(conn, name, replica))
        elif name not in replica:
            ddl = tuple(s.as_string(conn) for s in create_table_statements(source[name]))
            changes.append(SchemaChange(name, "table_added", f"{name} is not in the warehouse yet", ddl, True))
        else:
            changes += _column_changes(conn, name, source[name], replica[name])
    for name in sorted(set(subscribed) - configured - set(renamed.values())):
        changes.append(SchemaChange(
            name, "table_unpublished", f"{name} is no longer in config/replication.yaml; its warehouse copy "
            "stops updating (drop it once nothing reads it)", (_drop_table(conn, name),), False))
    return changes


def _renamed_tables(config: ReplicationConfig, source: dict[str, TableShape], replica: dict[str, TableShape],
                    unknown: set[str]) -> dict[str, str]:
    """Configured tables gone from the source -> the published table each became: the one with the replica's
    columns, or the only candidate when a single table went (renamed and altered at once)."""
    gone = [t.qualified for t in config.tables if t.qualified not in source]
    free = sorted(n for n in unknown if n in source)
    pairs: dict[str, str] = {}
    for old in gone:
        shape = replica.get(old)
        match = next((n for n in free if (n in replica if shape is None
                                          else source[n].column_types == shape.column_types)), None)
        if match is None and len(gone) == 1 and len(free) == 1:
            match = free[0]
        if match is not None:
            pairs[old] = match
            free.remove(match)
    return pairs


def _table_renamed(conn: psycopg.Connection, config: ReplicationConfig, old: str, new: str,
                   replica: dict[str, TableShape]) -> SchemaChange:
    table = config.table(old)
    line = f"{new}: {table.model}" if not table.field else f"{new}: {{model: {table.model}, field: {table.field}}}"
    needs_rename = old in replica and new not in replica
    ddl = (_alter(old, sql.SQL("RENAME TO {}").format(sql.Identifier(new.split(".", 1)[1]))).as_string(conn),) \
        if needs_rename else ()
    done = "is renamed too (no row is copied again)" if needs_rename else "already carries the new name"
    return SchemaChange(old, "table_renamed", f"Odoo renamed {old} to {new}; the replica {done}",
                        ddl, needs_rename, config_edit=f"in config/replication.yaml, replace the line of {old} "
                        f"with `  {line}`", renamed_to=new)


def _table_dropped(conn: psycopg.Connection, name: str, replica: dict[str, TableShape]) -> SchemaChange:
    return SchemaChange(name, "table_dropped_on_source",
                        f"{name} was dropped in the Odoo database; its warehouse copy is kept, frozen (dbt may read "
                        "it): remove it from config/replication.yaml, and drop the copy once nothing reads it",
                        (_drop_table(conn, name),) if name in replica else (), False)


def _drop_table(conn: psycopg.Connection, name: str) -> str:
    return sql.SQL("DROP TABLE {}").format(sql.Identifier(*name.split(".", 1))).as_string(conn)


def _column_changes(conn: psycopg.Connection, name: str, source: TableShape,
                    replica: TableShape) -> list[SchemaChange]:
    src, dst = source.column_types, replica.column_types
    added = [c for c in source.columns if c.name not in dst]
    removed = [c for c in dst if c not in src]
    renamed = _rename_candidates(removed, added, dst)
    changes = [_renamed(conn, name, old, new) for old, new in renamed.items()]
    claimed = {new.name for new in renamed.values()}
    changes += [_added(conn, name, column) for column in added if column.name not in claimed]
    changes += [_removed(conn, name, old) for old in removed if old not in renamed]
    changes += [_retyped(conn, name, column, type_, dst[column])
                for column, type_ in src.items() if column in dst and dst[column] != type_]
    return changes


def _rename_candidates(removed: list[str], added: list[Column], replica_types: dict[str, str]) -> dict[str, Column]:
    """Pair each vanished column with a new one of the same type and no default: perhaps a rename (the proof
    after the heal tells)."""
    pairs: dict[str, Column] = {}
    for old in removed:
        match = next((c for c in added if c.type == replica_types[old] and not c.has_default
                      and c not in pairs.values()), None)
        if match is not None:
            pairs[old] = match
    return pairs


def _renamed(conn: psycopg.Connection, name: str, old: str, new: Column) -> SchemaChange:
    ddl = _alter(name, sql.SQL("RENAME COLUMN {} TO {}").format(sql.Identifier(old), sql.Identifier(new.name)))
    return SchemaChange(name, "column_renamed",
                        f"column {old} is gone from the source and {new.name} ({new.type}) appeared: renamed in the "
                        "warehouse, then compared by checksums (copied again if it was a drop and an add)",
                        (ddl.as_string(conn),), True, prove=True)


def _added(conn: psycopg.Connection, name: str, column: Column) -> SchemaChange:
    """A column with a default (constant or volatile) gave every existing source row a value that never
    travelled as a change, so the replica would keep NULL there: the table is copied again."""
    ddl = _alter(name, sql.SQL("ADD COLUMN {}").format(_column_sql(column, False)))
    detail = f"new column {column.name} ({column.type})" + (", with a default: the table is copied again"
                                                             if column.has_default else "")
    return SchemaChange(name, "column_added", detail, (ddl.as_string(conn),), True, recopy=column.has_default)


def _removed(conn: psycopg.Connection, name: str, old: str) -> SchemaChange:
    ddl = _alter(name, sql.SQL("DROP COLUMN {}").format(sql.Identifier(old)))
    return SchemaChange(name, "column_removed", f"column {old} was dropped on the source: dropped in the warehouse",
                        (ddl.as_string(conn),), True)


def _retyped(conn: psycopg.Connection, name: str, column: str, source_type: str, replica_type: str) -> SchemaChange:
    ident, type_ = sql.Identifier(column), sql.SQL(source_type)
    ddl = _alter(name, sql.SQL("ALTER COLUMN {} TYPE {} USING {}::{}").format(ident, type_, ident, type_))
    fallback = (_alter(name, sql.SQL("DROP COLUMN {}").format(ident)),
                _alter(name, sql.SQL("ADD COLUMN {} {}").format(ident, type_)))
    return SchemaChange(name, "column_type_changed",
                        f"column {column} is {source_type} on the source, {replica_type} in the warehouse: cast in "
                        "the warehouse, then compared by checksums (copied again if the values differ)",
                        (ddl.as_string(conn),), True, prove=True,
                        fallback=tuple(s.as_string(conn) for s in fallback))
