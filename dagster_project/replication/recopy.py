"""Copy one replicated table again, online: the other tables keep streaming all along.

Used when a source change rewrote values that never travel as row changes (a column added with a
default, constant or volatile). The table leaves the publication and the subscription, its replica is
emptied, and it comes back: the subscription's table-sync worker copies a consistent snapshot and then
applies what changed since, exactly as for a table added to config/replication.yaml.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
from psycopg import sql

from dagster_project.replication.config import ReplicatedTable, ReplicationConfig, ReplicationError
from dagster_project.replication.subscription import STATES, table_states

Progress = Callable[[str], None]


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
    deadline = time.monotonic() + config.initial_sync_timeout_seconds
    said = None
    while (state := table_states(wh, config.subscription).get(table.qualified)) != "r":
        if state != said:
            progress(f"  {table.qualified}: {STATES.get(state or '', 'waiting for the sync worker')}")
            said = state
        if time.monotonic() > deadline:
            raise ReplicationError(
                f"{table.qualified} was not copied again within {config.initial_sync_timeout_seconds:.0f} s "
                f"(state {STATES.get(state or '', 'not subscribed')})",
                "run `hybrid replication status` for the cause; the copy resumes on its own once the "
                "subscription can run, or run `hybrid replication sync-schema` again")
        time.sleep(0.2)
