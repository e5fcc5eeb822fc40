"""Keep the warehouse's replica tables in step with Odoo's, because DDL does not replicate.

Additive changes (a new table in the config, a new column) are applied and the subscription refreshed,
so a stalled apply worker resumes. Destructive or ambiguous ones (a dropped, renamed or retyped column,
a table no longer replicated) are only reported, each with the exact DDL a person would run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from dagster_project.replication import publication, recopy, security, subscription
from dagster_project.replication.catalog import Column, TableShape, UniqueIndex, read_tables
from dagster_project.replication.config import Endpoints, ReplicationConfig, ReplicationError

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SchemaChange:
    table: str
    kind: str  # table_added, column_added, column_removed, column_renamed, column_type_changed,
    #            table_unpublished, table_missing_on_source
    detail: str
    ddl: tuple[str, ...]
    additive: bool
    recopy: bool = False  # the replica cannot derive the existing rows' values: the table is copied again

    @property
    def summary(self) -> str:
        return f"{self.table}: {self.kind.replace('_', ' ')}" + (f" ({self.detail})" if "column" in self.kind else "")

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "ddl": list(self.ddl)}


@dataclass
class SyncReport:
    applied: list[SchemaChange] = field(default_factory=list)
    manual: list[SchemaChange] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    @property
    def in_step(self) -> bool:
        return not self.manual

    def as_dict(self) -> dict[str, object]:
        return {"in_step": self.in_step, "applied": [c.as_dict() for c in self.applied],
                "manual": [c.as_dict() for c in self.manual], "actions": self.actions}


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
def plan(conn: psycopg.Connection, config: ReplicationConfig, source: dict[str, TableShape],
         replica: dict[str, TableShape], subscribed: Iterable[str] = ()) -> list[SchemaChange]:
    """Every difference between the configured source tables and their replicas (`conn` renders DDL)."""
    changes: list[SchemaChange] = []
    for table in config.tables:
        name = table.qualified
        if name not in source:
            changes.append(SchemaChange(name, "table_missing_on_source", f"{name} does not exist in the Odoo "
                                        "database; remove it from config/replication.yaml or install its module",
                                        (), False))
        elif name not in replica:
            ddl = tuple(s.as_string(conn) for s in create_table_statements(source[name]))
            changes.append(SchemaChange(name, "table_added", f"{name} is not in the warehouse yet", ddl, True))
        else:
            changes += _column_changes(conn, name, source[name], replica[name])
    configured = {t.qualified for t in config.tables}
    for name in sorted(set(subscribed) - configured):
        changes.append(SchemaChange(
            name, "table_unpublished", f"{name} is no longer in config/replication.yaml; its warehouse copy "
            "stops updating (drop it once nothing reads it)",
            (sql.SQL("DROP TABLE {}").format(sql.Identifier(*name.split(".", 1))).as_string(conn),), False))
    return changes


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
    """Pair each vanished column with a new one of the same type: that may be a rename (ambiguous)."""
    pairs: dict[str, Column] = {}
    for old in removed:
        match = next((c for c in added if c.type == replica_types[old] and c not in pairs.values()), None)
        if match is not None:
            pairs[old] = match
    return pairs


def _renamed(conn: psycopg.Connection, name: str, old: str, new: Column) -> SchemaChange:
    ddl = _alter(name, sql.SQL("RENAME COLUMN {} TO {}").format(sql.Identifier(old), sql.Identifier(new.name)))
    return SchemaChange(name, "column_renamed",
                        f"column {old} is gone from the source and {new.name} ({new.type}) appeared: if it was "
                        f"renamed, run the DDL; if not, add {new.name} and drop {old} by hand",
                        (ddl.as_string(conn),), False)


def _added(conn: psycopg.Connection, name: str, column: Column) -> SchemaChange:
    """A column with a default (constant or volatile) gave every existing source row a value that never
    travelled as a change, so the replica would keep NULL there: the table is copied again."""
    ddl = _alter(name, sql.SQL("ADD COLUMN {}").format(_column_sql(column, False)))
    detail = f"new column {column.name} ({column.type})" + (", with a default: the table is copied again"
                                                             if column.has_default else "")
    return SchemaChange(name, "column_added", detail, (ddl.as_string(conn),), True, recopy=column.has_default)


def _removed(conn: psycopg.Connection, name: str, old: str) -> SchemaChange:
    ddl = _alter(name, sql.SQL("DROP COLUMN {}").format(sql.Identifier(old)))
    return SchemaChange(name, "column_removed", f"column {old} was dropped on the source (the replica keeps it; "
                        "new rows get NULL there)", (ddl.as_string(conn),), False)


def _retyped(conn: psycopg.Connection, name: str, column: str, source_type: str, replica_type: str) -> SchemaChange:
    ddl = _alter(name, sql.SQL("ALTER COLUMN {} TYPE {} USING {}::{}").format(
        sql.Identifier(column), sql.SQL(source_type), sql.Identifier(column), sql.SQL(source_type)))
    return SchemaChange(name, "column_type_changed",
                        f"column {column} is {source_type} on the source, {replica_type} in the warehouse",
                        (ddl.as_string(conn),), False)


# -- applying -------------------------------------------------------------------------------------
def apply_additive(conn: psycopg.Connection, changes: list[SchemaChange]) -> list[SchemaChange]:
    """Run the DDL of the additive changes in one transaction; returns what was applied."""
    additive = [c for c in changes if c.additive]
    with conn.transaction():
        for schema in sorted({c.table.split(".", 1)[0] for c in additive if c.kind == "table_added"}):
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        for change in additive:
            for statement in change.ddl:
                conn.execute(sql.SQL(statement))  # rendered from sql.Composed by plan()
    return additive


def missing_on_source(changes: list[SchemaChange]) -> None:
    missing = [c.table for c in changes if c.kind == "table_missing_on_source"]
    if missing:
        raise ReplicationError(f"configured tables missing in the Odoo database: {', '.join(missing)}",
                               "remove them from config/replication.yaml, or install the Odoo module that creates "
                               "them, then run the command again")


def sync_schema(endpoints: Endpoints, config: ReplicationConfig, progress: Progress) -> SyncReport:
    """Compare source and replica; apply what is additive, refresh the subscription, report the rest."""
    names = [t.qualified for t in config.tables]
    report = SyncReport()
    with endpoints.connect("source") as src, endpoints.connect("warehouse") as wh:
        subscribed = subscription.table_states(wh, config.subscription)
        changes = plan(wh, config, read_tables(src, names), read_tables(wh, names), subscribed)
        missing_on_source(changes)
        _can_recopy(wh, config, changes)
        report.actions += security.grant_replicator(src, replication_role(endpoints), config)
        report.actions += publication.reconcile(src, config)
        report.applied = apply_additive(wh, changes)
        for change in report.applied:
            progress(f"applied to the warehouse: {change.summary}")
        report.actions += security.revoke_api_roles(wh, config)
        report.manual = [c for c in changes if not c.additive]
        if report.applied or report.actions:
            report.actions += _refresh(wh, config)
        for table in sorted({c.table for c in report.applied if c.recopy}):
            report.actions.append(recopy.recopy_table(src, wh, config, config.table(table), progress))
    return report


def _can_recopy(conn: psycopg.Connection, config: ReplicationConfig, changes: list[SchemaChange]) -> None:
    """A re-copy needs a running subscription; refuse before anything is applied, so the next run still sees
    the column as new and copies the table then."""
    tables = sorted({c.table for c in changes if c.recopy})
    current = subscription.find(conn, config.subscription)
    if tables and (current is None or not current.enabled):
        raise ReplicationError(f"{', '.join(tables)} must be copied again (a column was added with a default), "
                               f"but subscription {config.subscription} is missing or disabled",
                               "run `hybrid replication setup` first, then `hybrid replication sync-schema`")


def replication_role(endpoints: Endpoints) -> str:
    return conninfo_to_dict(endpoints.replication)["user"]


def _refresh(conn: psycopg.Connection, config: ReplicationConfig) -> list[str]:
    current = subscription.find(conn, config.subscription)
    if current is None or not current.enabled:
        return [f"subscription {config.subscription} is missing or disabled; `hybrid replication setup` "
                "creates or enables it"]
    subscription.refresh(conn, config.subscription)
    return [f"refreshed subscription {config.subscription}"]
