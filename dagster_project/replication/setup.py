"""`hybrid replication setup`: provision logical replication from Odoo into the warehouse, idempotently.

Every step reads the catalog first and acts only on a difference, so a second run changes nothing, and a
half-finished or damaged setup (no subscription, a lost slot, a disabled subscription, tables left out) is
healed by running it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import psycopg
from psycopg import sql

from dagster_project.config.redact import mask_dsn
from dagster_project.replication import publication, recopy, schema_plan, schema_sync, security, subscription
from dagster_project.replication.catalog import TableShape, read_tables
from dagster_project.replication.config import Endpoints, ReplicationConfig, ReplicationError

Progress = Callable[[str], None]


@dataclass
class SetupReport:
    same_cluster: bool = False
    actions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.actions)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "changed": self.changed}


@dataclass(frozen=True)
class Slot:
    database: str
    plugin: str | None
    active_pid: int | None


def setup(endpoints: Endpoints, config: ReplicationConfig, progress: Progress) -> SetupReport:
    report = SetupReport()
    names = [t.qualified for t in config.tables]
    with endpoints.connect("source") as src, endpoints.connect("replication") as repl, \
            endpoints.connect("warehouse") as wh:
        role = check_source(src, repl, endpoints, config)
        report.actions += ensure_replica_identity(src, read_tables(src, names))
        report.actions += security.grant_replicator(src, role, config)
        membership = publication.reconcile(src, config)
        report.actions += membership
        changes = schema_plan.changes_between(src, wh, config, subscription.table_states(wh, config.subscription))
        applied, recopies = schema_sync.apply(wh, [c for c in changes if c.additive])
        report.actions += [f"warehouse: {c.summary}" for c in applied]
        report.warnings += [f"{c.table}: {c.detail}; `hybrid replication sync-schema --env {endpoints.env}` heals it"
                            for c in changes if c.automatic and not c.additive]
        report.warnings += [f"{c.table}: {c.detail}; to apply: {'; '.join(c.ddl)}" for c in changes if not c.automatic]
        report.actions += security.revoke_api_roles(wh, config)
        report.same_cluster = same_cluster(repl, wh)
        report.actions += ensure_subscription(repl, wh, endpoints, config, report.same_cluster,
                                              refresh=bool(membership or applied))
        report.actions += wait_for_initial_copy(wh, config, progress)
        for table in sorted(recopies):  # the subscription runs by now
            report.actions.append(recopy.recopy_table(src, wh, config, config.table(table), progress))
    return report


# -- checks ---------------------------------------------------------------------------------------
def _where(dsn: str) -> str:
    return mask_dsn(dsn).rpartition("@")[2] or mask_dsn(dsn)


def check_source(src: psycopg.Connection, repl: psycopg.Connection, endpoints: Endpoints,
                 config: ReplicationConfig) -> str:
    """Fail early, naming the server and the fix, when Odoo's database cannot publish; returns the
    replication role's name."""
    level = src.execute("SHOW wal_level").fetchone()[0]
    if level != "logical":
        raise ReplicationError(
            f"the Odoo server {_where(endpoints.source)} (env {endpoints.env}) has wal_level = {level}",
            "set wal_level = logical on that server (ALTER SYSTEM SET wal_level = logical) and restart it")
    names = [t.qualified for t in config.tables]
    found = set(read_tables(src, names))
    missing = [n for n in names if n not in found]
    if missing:
        raise ReplicationError(f"configured tables missing in the Odoo database {_where(endpoints.source)}: "
                               f"{', '.join(missing)}",
                               "if Odoo renamed or dropped them, `hybrid replication sync-schema` heals the warehouse "
                               "and names the line to change in config/replication.yaml; else install the Odoo "
                               "module that creates them")
    _check_owner(src, names, endpoints)
    return _check_replication_role(src, repl, endpoints)


def _check_owner(src: psycopg.Connection, names: list[str], endpoints: Endpoints) -> None:
    not_owned = [r[0] for r in src.execute(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname || '.' || c.relname = ANY(%s) AND NOT pg_has_role(current_user, c.relowner, 'USAGE')",
        (names,))]
    if not_owned:
        raise ReplicationError(
            f"the role of the Odoo connection (env {endpoints.env}, ODOO_DB_URL) does not own "
            f"{', '.join(not_owned[:5])}: it cannot publish them or set their replica identity",
            "point ODOO_DB_URL_<ENV> at the Odoo database owner (the role Odoo itself connects as)")


def _check_replication_role(src: psycopg.Connection, repl: psycopg.Connection, endpoints: Endpoints) -> str:
    role, can_replicate, superuser, database = repl.execute(
        "SELECT rolname, rolreplication, rolsuper, current_database() FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    fix_role = (f"as an Odoo database admin: CREATE ROLE odoo_replicator LOGIN REPLICATION PASSWORD '...'; put its "
                f"URL in ODOO_REPLICATION_URL_{endpoints.env.upper()}")
    if not can_replicate and not superuser:
        raise ReplicationError(f"the replication role {role} (ODOO_REPLICATION_URL_{endpoints.env.upper()}) lacks "
                               "the REPLICATION attribute", f"ALTER ROLE {role} REPLICATION; or {fix_role}")
    source_db = src.execute("SELECT current_database()").fetchone()[0]
    if database != source_db:
        raise ReplicationError(f"ODOO_REPLICATION_URL_{endpoints.env.upper()} points at database {database}, "
                               f"ODOO_DB_URL_{endpoints.env.upper()} at {source_db}",
                               "make both name the Odoo database")
    if superuser:
        raise ReplicationError(f"the replication role {role} is a superuser: the subscription would hold a "
                               "superuser's password", fix_role)
    return role


def same_cluster(repl: psycopg.Connection, wh: psycopg.Connection) -> bool:
    """Both databases on one server: CREATE SUBSCRIPTION would wait for itself creating the slot."""
    query = "SELECT system_identifier, pg_postmaster_start_time() FROM pg_control_system()"
    return repl.execute(query).fetchone() == wh.execute(query).fetchone()


# -- source ---------------------------------------------------------------------------------------
def ensure_replica_identity(src: psycopg.Connection, shapes: dict[str, TableShape]) -> list[str]:
    """A table without a primary key would refuse UPDATE and DELETE once published: identify its rows by a
    unique NOT NULL index when it has one, else by the full row."""
    actions = []
    for name, shape in sorted(shapes.items()):
        if shape.primary_key or shape.replica_identity in ("f", "i"):
            continue
        index = next((i for i in shape.unique_indexes if i.identity_capable), None)
        table = sql.Identifier(*name.split(".", 1))
        if index is not None:
            src.execute(sql.SQL("ALTER TABLE {} REPLICA IDENTITY USING INDEX {}").format(
                table, sql.Identifier(index.name)))
            actions.append(f"{name} has no primary key: replica identity set to unique index {index.name}")
        else:
            src.execute(sql.SQL("ALTER TABLE {} REPLICA IDENTITY FULL").format(table))
            actions.append(f"{name} has no primary key or unique NOT NULL index: replica identity set to FULL")
    return actions


def _slot(repl: psycopg.Connection, name: str) -> Slot | None:
    row = repl.execute("SELECT database, plugin, active_pid FROM pg_replication_slots WHERE slot_name = %s",
                       (name,)).fetchone()
    return None if row is None else Slot(*row)


def _create_slot(repl: psycopg.Connection, name: str) -> str:
    repl.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (name,))
    return f"created replication slot {name} on the Odoo server"


# -- subscriber -----------------------------------------------------------------------------------
def ensure_subscription(repl: psycopg.Connection, wh: psycopg.Connection, endpoints: Endpoints,
                        config: ReplicationConfig, same: bool, refresh: bool) -> list[str]:
    slot = _slot(repl, config.slot)
    source_db = repl.execute("SELECT current_database()").fetchone()[0]
    if slot is not None and (slot.database != source_db or slot.plugin != "pgoutput"):
        raise ReplicationError(f"a replication slot named {config.slot} already exists on the Odoo server for "
                               f"database {slot.database} (plugin {slot.plugin})",
                               "rename `subscription` in config/replication.yaml, or drop that slot if unused")
    current = subscription.find(wh, config.subscription)
    if current is not None and slot is not None and current.slot_name == config.slot:
        return _update_subscription(wh, endpoints, config, current, refresh)
    actions = []
    if current is not None:
        subscription.drop_detached(wh, config.subscription)
        actions.append(f"dropped subscription {config.subscription}: its slot {config.slot} was missing, so "
                       "changes may have been lost; the tables are copied afresh")
    elif slot is not None and slot.active_pid is not None:
        raise ReplicationError(f"replication slot {config.slot} is in use (pid {slot.active_pid}) by a consumer "
                               "other than this warehouse's subscription",
                               "stop that consumer, or rename `subscription` in config/replication.yaml")
    actions += _truncate_replicas(wh, config)
    if slot is None and same:
        actions.append(_create_slot(repl, config.slot))
    actions.append(_create_subscription(wh, endpoints, config, create_slot=slot is None and not same))
    return actions


def _create_subscription(wh: psycopg.Connection, endpoints: Endpoints, config: ReplicationConfig,
                         create_slot: bool) -> str:
    """Across servers the normal form creates the slot; on one server the slot must exist already."""
    wh.execute(sql.SQL("CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION {} "
                       "WITH (create_slot = {}, slot_name = {}, copy_data = true)").format(
        sql.Identifier(config.subscription), sql.Literal(endpoints.replication),
        sql.Identifier(config.publication), sql.Literal(create_slot), sql.Literal(config.slot)))
    return (f"created subscription {config.subscription} to {_where(endpoints.replication)} "
            f"({'new slot' if create_slot else 'existing slot ' + config.slot}); copying the tables")


def _update_subscription(wh: psycopg.Connection, endpoints: Endpoints, config: ReplicationConfig,
                         current: subscription.Subscription, refresh: bool) -> list[str]:
    name = sql.Identifier(config.subscription)
    actions = []
    if current.publications != (config.publication,):
        wh.execute(sql.SQL("ALTER SUBSCRIPTION {} SET PUBLICATION {} WITH (refresh = false)").format(
            name, sql.Identifier(config.publication)))
        actions.append(f"subscription {config.subscription} now follows publication {config.publication}")
        refresh = True
    if _connection_changed(wh, endpoints, config):
        wh.execute(sql.SQL("ALTER SUBSCRIPTION {} CONNECTION {}").format(name, sql.Literal(endpoints.replication)))
        actions.append(f"subscription {config.subscription} connection updated to {_where(endpoints.replication)}")
    if not current.enabled:
        wh.execute(sql.SQL("ALTER SUBSCRIPTION {} ENABLE").format(name))
        actions.append(f"enabled subscription {config.subscription}")
    subscribed = set(subscription.table_states(wh, config.subscription))
    if refresh or subscribed != {t.qualified for t in config.tables}:
        subscription.refresh(wh, config.subscription)
        actions.append(f"refreshed subscription {config.subscription} (tables added or removed)")
    return actions


def _connection_changed(wh: psycopg.Connection, endpoints: Endpoints, config: ReplicationConfig) -> bool:
    """A rotated password or moved server; only a superuser may read subconninfo, so otherwise assume not."""
    try:
        row = wh.execute("SELECT subconninfo FROM pg_subscription WHERE subname = %s",
                         (config.subscription,)).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        return False
    return row is not None and row[0] != endpoints.replication


def _truncate_replicas(wh: psycopg.Connection, config: ReplicationConfig) -> list[str]:
    """A new subscription copies every table: rows left from an earlier one would collide with the copy."""
    filled = recopy.empty_filled(wh, list(config.tables))
    return [f"emptied {len(filled)} warehouse tables left from an earlier subscription before the fresh copy"] \
        if filled else []


def wait_for_initial_copy(wh: psycopg.Connection, config: ReplicationConfig, progress: Progress) -> list[str]:
    """Wait until every table is ready, reporting progress; returns an action only when there was something
    to wait for."""
    wanted = [t.qualified for t in config.tables]
    started, waited = time.monotonic(), []

    def describe(pending: dict[str, str]) -> str:
        waited.append(True)
        return (f"initial copy: {len(wanted) - len(pending)}/{len(wanted)} tables ready; "
                + ", ".join(f"{t} {s}" for t, s in list(pending.items())[:4]))

    pending = subscription.wait_ready(wh, config.subscription, wanted, config.initial_sync_timeout_seconds,
                                      describe, progress)
    if pending:
        raise ReplicationError(f"the initial copy did not finish within {config.initial_sync_timeout_seconds:.0f}s: "
                               + ", ".join(f"{t} ({s})" for t, s in pending.items()),
                               "read the warehouse server log for sync errors, then run setup again (it resumes)")
    return [f"copied {len(wanted)} tables' rows in {time.monotonic() - started:.1f}s"] if waited else []
