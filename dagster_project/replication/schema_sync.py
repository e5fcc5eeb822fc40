"""Heal the warehouse's replica tables after Odoo's schema changed (schema_plan says how), and prove it.

The heal runs in one warehouse transaction, then the subscription is refreshed so a stalled apply worker
resumes; tables whose values cannot be derived are copied again online, renamed and retyped columns are
compared by checksums. A table dropped in Odoo or no longer configured is only reported, with its DDL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from dagster_project.replication import publication, recopy, security, subscription, verify
from dagster_project.replication.config import Endpoints, ReplicatedTable, ReplicationConfig, ReplicationError
from dagster_project.replication.schema_plan import SchemaChange, changes_between

Progress = Callable[[str], None]


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


def apply(conn: psycopg.Connection, changes: list[SchemaChange]) -> tuple[list[SchemaChange], set[str]]:
    """Run the changes' DDL in one transaction; returns them and the tables to copy again. A cast the
    replica's values refuse takes its fallback (drop and add the column), and the table is copied again."""
    recopies = {c.table for c in changes if c.recopy}
    current = None
    try:
        with conn.transaction():
            for schema in sorted({c.table.split(".", 1)[0] for c in changes if c.kind == "table_added"}):
                conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            for current in changes:
                if _run(conn, current.ddl, current.fallback):
                    recopies.add(current.table)
    except (psycopg.errors.DependentObjectsStillExist, psycopg.errors.FeatureNotSupported) as exc:
        assert current is not None
        views = _dependent_views(conn, current.table)
        raise ReplicationError(
            f"{current.summary}: the warehouse cannot follow because {', '.join(views) or 'other objects'} "
            f"read the table ({exc.diag.message_primary}); nothing was changed",
            f"drop {', '.join(views) or 'them'} (dbt builds them again: `hybrid dbt build` or the next run), "
            "then run sync-schema again") from None
    return changes, recopies


_CAST_ERRORS = (psycopg.errors.DataError, psycopg.errors.CannotCoerce, psycopg.errors.DatatypeMismatch)


def _run(conn: psycopg.Connection, ddl: tuple[str, ...], fallback: tuple[str, ...]) -> bool:
    """True when the fallback ran (the values need a copy)."""
    try:
        with conn.transaction():
            for statement in ddl:
                conn.execute(sql.SQL(statement))  # rendered from sql.Composed by the plan
        return False
    except _CAST_ERRORS:
        if not fallback:
            raise
    for statement in fallback:
        conn.execute(sql.SQL(statement))
    return True


def _dependent_views(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute("SELECT DISTINCT v.oid::regclass::text FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid "
                        "JOIN pg_class v ON v.oid = r.ev_class WHERE d.refobjid = to_regclass(%s) "
                        "AND v.oid <> d.refobjid ORDER BY 1", (sql.Identifier(*table.split(".", 1)).as_string(conn),))
    return [r[0] for r in rows]


def healed_config(config: ReplicationConfig, changes: list[SchemaChange]) -> ReplicationConfig:
    """The tables as they stand after the heal: renamed ones under their new name, dropped ones left out
    (the publication, grants and subscription follow this; config/replication.yaml is the user's to edit)."""
    renamed = {c.table: c.renamed_to for c in changes if c.renamed_to}
    dropped = {c.table for c in changes if c.kind == "table_dropped_on_source"}
    tables = tuple(dataclasses.replace(t, name=renamed[t.qualified].split(".", 1)[1]) if t.qualified in renamed else t
                   for t in config.tables if t.qualified not in dropped)
    return dataclasses.replace(config, tables=tables)


def sync_schema(endpoints: Endpoints, config: ReplicationConfig, progress: Progress) -> SyncReport:
    """Compare source and replica, heal the replica, refresh the subscription, copy again what cannot be
    derived, prove renames and casts by checksums, and report what is left to a person."""
    report = SyncReport()
    with endpoints.connect("source") as src, endpoints.connect("warehouse") as wh:
        changes = changes_between(src, wh, config, subscription.table_states(wh, config.subscription))
        current = healed_config(config, changes)
        recopy.require_running(wh, config, sorted({c.table for c in changes if c.recopy or c.prove}),
                               "its values cannot be derived in the warehouse alone")
        report.actions += security.grant_replicator(src, replication_role(endpoints), current)
        report.actions += publication.reconcile(src, current)
        report.applied, recopies = apply(wh, [c for c in changes if c.automatic])
        for change in report.applied:
            progress(f"applied to the warehouse: {change.summary}")
        report.actions += security.revoke_api_roles(wh, current)
        report.manual = [c for c in changes if not c.automatic or c.config_edit]
        report.actions += recopy.empty_unsubscribed(wh, current)
        if report.applied or report.actions or any(c.kind == "table_dropped_on_source" for c in changes):
            report.actions += _refresh(wh, current)  # the subscription lets a dropped table go
        for table in sorted(recopies):
            report.actions.append(recopy.recopy_table(src, wh, current, current.table(table), progress))
    for table in sorted({c.table for c in report.applied if c.prove} - recopies):
        report.actions.append(_prove(endpoints, current, current.table(table), progress))
    return report


def _prove(endpoints: Endpoints, config: ReplicationConfig, table: ReplicatedTable, progress: Progress) -> str:
    """Compare the healed table by checksums; a difference (a drop-and-add taken for a rename, a cast that
    rounds otherwise than Odoo's) is healed by copying the table again."""
    result = verify.verify_table(endpoints, config, table, progress=progress)
    if result.problem:
        raise ReplicationError(f"{table.qualified} could not be compared after the heal: {result.problem}",
                               "run `hybrid replication verify --table " + table.qualified + "` once it is resolved")
    if not result.differences:
        return (f"compared {table.qualified} with the source after the heal: equal "
                f"({result.source_rows:,} rows in {result.ranges_compared} ranges)")
    with endpoints.connect("source") as src, endpoints.connect("warehouse") as wh:
        copied = recopy.recopy_table(src, wh, config, table, progress)
    return (f"{table.qualified} differed from the source in {len(result.differences)} of {result.ranges_total} "
            f"ranges after the heal; {copied}")


def replication_role(endpoints: Endpoints) -> str:
    return conninfo_to_dict(endpoints.replication)["user"]


def _refresh(conn: psycopg.Connection, config: ReplicationConfig) -> list[str]:
    current = subscription.find(conn, config.subscription)
    if current is None or not current.enabled:
        return [f"subscription {config.subscription} is missing or disabled; `hybrid replication setup` "
                "creates or enables it"]
    subscription.refresh(conn, config.subscription)
    return [f"refreshed subscription {config.subscription}"]
