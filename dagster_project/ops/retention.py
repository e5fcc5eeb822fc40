"""What the retention job deletes, and what it keeps however old.

dagster-postgres keeps every run, event and tick forever (dagster issues #4100, #33785), and the replication
sensor reports a runless materialization for each changed table every 15 s. Deleted:

- finished runs (success, cancelled) last updated before the cutoff, failed runs before the longer failed
  cutoff, each with its event log (`instance.delete_run`); a run holding the latest materialization of an
  asset (partition) is kept, so the asset's last run stays one click away;
- runless asset materializations and observations (run id '') older than the cutoff, except the latest
  of each asset and partition, so asset status and freshness survive;
- sensor and schedule ticks older than the cutoff (`instance.purge_ticks`);
- `ops` rows older than the cutoff: health_log, drift_log, superset_applies (keeping the latest apply and
  drift result of each environment: plan and drift compare against it).

Runs and ticks go through Dagster's public instance API. Runless events have no such API: they are deleted
through the event log storage's own SQLAlchemy connection and table definitions (no SQL text is built).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter
from psycopg import sql

from dagster_project.config import database
from dagster_project.ops.state import HEALTH_LOG
from dagster_project.ops.state import SCHEMA as OPS_SCHEMA
from dagster_project.superset.state import APPLIES, DRIFT_LOG

if TYPE_CHECKING:
    from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage

Log = Callable[[str], None]
RUNLESS_RUN_ID = ""  # how Dagster stores events reported outside any run
ASSET_EVENT_TYPES = (DagsterEventType.ASSET_MATERIALIZATION.value, DagsterEventType.ASSET_OBSERVATION.value)
FINISHED = (DagsterRunStatus.SUCCESS, DagsterRunStatus.CANCELED)
EVENT_BATCH = 5_000
PROGRESS_EVERY = 100


@dataclass(frozen=True)
class Cutoffs:
    """Everything older than `general` goes; failed runs only when older than `failed`."""

    general: dt.datetime
    failed: dt.datetime

    @classmethod
    def from_days(cls, days: int, failed_days: int, now: dt.datetime | None = None) -> Cutoffs:
        now = now or dt.datetime.now(dt.UTC)
        return cls(now - dt.timedelta(days=days), now - dt.timedelta(days=failed_days))


@dataclass(frozen=True)
class OpsTable:
    name: str
    time_column: str
    keep_latest_per: str | None = None  # keep the newest row of each value of this column


OPS_TABLES = (
    OpsTable(HEALTH_LOG, "checked_at"),
    OpsTable(DRIFT_LOG, "checked_at", keep_latest_per="env"),
    OpsTable(APPLIES, "applied_at", keep_latest_per="env"),
)


def sql_storage(instance: DagsterInstance) -> SqlEventLogStorage:
    # Dagster's storage internals and SQLAlchemy load only when the job runs: the code location imports this
    # module, and they cost it half a second (docs/benchmarks.md).
    from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage

    storage = instance.event_log_storage
    if not isinstance(storage, SqlEventLogStorage) or storage.is_run_sharded:
        raise TypeError(f"runless event retention needs one SQL event log (dagster-postgres); this instance uses "
                        f"{type(storage).__name__}: configure `storage: postgres:` in dagster.yaml")
    return storage


def latest_asset_events(instance: DagsterInstance) -> dict[int, str]:
    """Storage id -> run id of the newest materialization and observation of every asset and partition."""
    import sqlalchemy as db
    from dagster._core.storage.event_log.schema import SqlEventLogStorageTable as events
    newest = (db.select(db.func.max(events.c.id))
              .where(events.c.asset_key.isnot(None), events.c.dagster_event_type.in_(ASSET_EVENT_TYPES))
              .group_by(events.c.asset_key, events.c.partition, events.c.dagster_event_type))
    with sql_storage(instance).index_connection() as conn:
        rows = conn.execute(db.select(events.c.id, events.c.run_id).where(events.c.id.in_(newest))).fetchall()
    return {row[0]: row[1] for row in rows}


def purge_runs(instance: DagsterInstance, cutoffs: Cutoffs, keep: set[str], log: Log, limit: int) -> list[str]:
    """Delete finished runs older than their cutoff, oldest first, at most `limit`; returns their ids."""
    candidates = [
        *instance.get_run_records(RunsFilter(statuses=list(FINISHED), updated_before=cutoffs.general),
                                  limit=limit + len(keep), ascending=True),
        *instance.get_run_records(RunsFilter(statuses=[DagsterRunStatus.FAILURE], updated_before=cutoffs.failed),
                                  limit=limit + len(keep), ascending=True),
    ]
    doomed = [r.dagster_run.run_id for r in sorted(candidates, key=lambda r: r.update_timestamp)
              if r.dagster_run.run_id not in keep][:limit]
    log(f"runs: {len(doomed)} to delete (finished before {cutoffs.general:%Y-%m-%d %H:%M}, failed before "
        f"{cutoffs.failed:%Y-%m-%d %H:%M} UTC); {len(keep)} kept for holding an asset's latest materialization")
    for done, run_id in enumerate(doomed, 1):
        instance.delete_run(run_id)
        if done % PROGRESS_EVERY == 0 or done == len(doomed):
            log(f"runs: deleted {done}/{len(doomed)}")
    return doomed


def purge_runless_events(instance: DagsterInstance, cutoff: dt.datetime, keep: set[int], log: Log,
                         batch: int = EVENT_BATCH) -> int:
    """Delete old runless materializations and observations (and their tags) except the ids in `keep`."""
    import sqlalchemy as db
    from dagster._core.storage.event_log.schema import AssetEventTagsTable as tags
    from dagster._core.storage.event_log.schema import SqlEventLogStorageTable as events

    storage = sql_storage(instance)
    before = cutoff.astimezone(dt.UTC).replace(tzinfo=None)  # the column holds naive UTC
    doomed = (db.select(events.c.id)
              .where(events.c.run_id == RUNLESS_RUN_ID, events.c.dagster_event_type.in_(ASSET_EVENT_TYPES),
                     events.c.timestamp < before, events.c.id.notin_(sorted(keep) or [-1]))
              .order_by(events.c.id).limit(batch))
    deleted = 0
    while True:
        with storage.index_transaction() as conn:
            ids = [row[0] for row in conn.execute(doomed).fetchall()]
            if not ids:
                break
            conn.execute(tags.delete().where(tags.c.event_id.in_(ids)))
            conn.execute(events.delete().where(events.c.id.in_(ids)))
        deleted += len(ids)
        log(f"runless asset events: deleted {deleted} so far")
    log(f"runless asset events: {deleted} deleted (before {before:%Y-%m-%d %H:%M} UTC), "
        f"{len(keep)} latest per asset and partition kept")
    return deleted


def purge_ticks(instance: DagsterInstance, cutoff: dt.datetime, log: Log) -> list[str]:
    """Ticks of every sensor and schedule older than the cutoff; returns the instigators purged."""
    names = []
    for state in instance.all_instigator_state():
        instance.purge_ticks(state.instigator_origin_id, state.selector_id, before=cutoff.timestamp())
        names.append(state.instigator_name)
    log(f"ticks: purged those before {cutoff:%Y-%m-%d %H:%M} UTC for {len(names)} sensors and schedules")
    return names


def purge_ops_tables(dsn: str, cutoff: dt.datetime, log: Log,
                     tables: Sequence[OpsTable] = OPS_TABLES) -> dict[str, int]:
    """Rows older than the cutoff per `ops` table; a table not created yet is skipped."""
    deleted: dict[str, int] = {}
    with database.connect(dsn, autocommit=True) as conn:
        for table in tables:
            ident = sql.Identifier(OPS_SCHEMA, table.name)
            if conn.execute("SELECT to_regclass(%s)", (f"{OPS_SCHEMA}.{table.name}",)).fetchone()[0] is None:
                log(f"ops.{table.name}: not created yet, skipped")
                continue
            statement = sql.SQL("DELETE FROM {} WHERE {} < %s").format(ident, sql.Identifier(table.time_column))
            if table.keep_latest_per:
                statement += sql.SQL(" AND id NOT IN (SELECT max(id) FROM {} GROUP BY {})").format(
                    ident, sql.Identifier(table.keep_latest_per))
            deleted[table.name] = conn.execute(statement, (cutoff,)).rowcount
            log(f"ops.{table.name}: {deleted[table.name]} row(s) older than {cutoff:%Y-%m-%d %H:%M} UTC deleted")
    return deleted
