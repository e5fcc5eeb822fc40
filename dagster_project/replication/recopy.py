"""Copy one replicated table again, online: the other tables keep streaming all along.

Used when a source change rewrote values that never travel as row changes (a column added with a
default, constant or volatile). The table leaves the publication and the subscription, its replica is
emptied, and it comes back: the subscription's table-sync worker copies a consistent snapshot and then
applies what changed since, exactly as for a table added to config/replication.yaml.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from psycopg import sql

from dagster_project.replication import subscription
from dagster_project.replication.catalog import read_tables
from dagster_project.replication.config import ReplicatedTable, ReplicationConfig, ReplicationError

Progress = Callable[[str], None]


def require_running(wh: psycopg.Connection, config: ReplicationConfig, tables: list[str], why: str) -> None:
    """A re-copy needs a running subscription: refuse before anything changes, so the next run still finds
    the reason and copies the tables then."""
    current = subscription.find(wh, config.subscription)
    if tables and (current is None or not current.enabled):
        raise ReplicationError(f"{', '.join(tables)} must be copied again ({why}), but subscription "
                               f"{config.subscription} is missing or disabled",
                               "run `hybrid replication setup` first (it creates or enables it), then this again")


def empty_unsubscribed(wh: psycopg.Connection, config: ReplicationConfig) -> list[str]:
    """Configured replicas holding rows but not in the subscription are copied by the next refresh: empty
    them first, or the copy collides with the rows (a re-copy interrupted after the table left the
    subscription leaves one like this)."""
    if subscription.find(wh, config.subscription) is None:
        return []
    subscribed = subscription.table_states(wh, config.subscription)
    emptied = empty_filled(wh, [t for t in config.tables if t.qualified not in subscribed])
    return [f"emptied {t.qualified}: it holds rows but is not in the subscription, which copies it now"
            for t in emptied]


def empty_filled(wh: psycopg.Connection, tables: list[ReplicatedTable]) -> list[ReplicatedTable]:
    """TRUNCATE those of `tables` that exist in the warehouse and hold rows; returns them."""
    present = read_tables(wh, [t.qualified for t in tables])
    filled = [t for t in tables if t.qualified in present
              and wh.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(t.ident)).fetchone()[0]]
    if filled:
        wh.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(t.ident for t in filled)))
    return filled


def recopy_table(src: psycopg.Connection, wh: psycopg.Connection, config: ReplicationConfig,
                 table: ReplicatedTable, progress: Progress) -> str:
    """Returns the action line; raises ReplicationError when the copy does not finish in time."""
    publication, name = sql.Identifier(config.publication), sql.Identifier(config.subscription)
    progress(f"copying {table.qualified} again (the other tables keep streaming)")
    src.execute(sql.SQL("ALTER PUBLICATION {} DROP TABLE {}").format(publication, table.ident))
    wh.execute(sql.SQL("ALTER SUBSCRIPTION {} REFRESH PUBLICATION WITH (copy_data = false)").format(name))
    wh.execute(sql.SQL("TRUNCATE {}").format(table.ident))
    src.execute(sql.SQL("ALTER PUBLICATION {} ADD TABLE {}").format(publication, table.ident))
    wh.execute(sql.SQL("ALTER SUBSCRIPTION {} REFRESH PUBLICATION WITH (copy_data = true)").format(name))
    wait_ready(wh, config, table, progress)
    rows = wh.execute(sql.SQL("SELECT count(*) FROM {}").format(table.ident)).fetchone()[0]
    return f"copied {table.qualified} again ({rows:,} rows): the source gave existing rows values no change carried"


def wait_ready(wh: psycopg.Connection, config: ReplicationConfig, table: ReplicatedTable, progress: Progress) -> None:
    pending = subscription.wait_ready(wh, config.subscription, [table.qualified], config.initial_sync_timeout_seconds,
                                      lambda states: f"  {table.qualified}: {states[table.qualified]}", progress)
    if pending:
        raise ReplicationError(
            f"{table.qualified} was not copied again within {config.initial_sync_timeout_seconds:.0f} s "
            f"(state {pending[table.qualified]})",
            "run `hybrid replication status` for the cause; the copy resumes on its own once the "
            "subscription can run, or run `hybrid replication sync-schema` again")
