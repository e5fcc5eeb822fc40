"""How replication is doing: per-table sync state, lag, retained WAL, error counts, and what is wrong.

Read from the warehouse (pg_subscription_rel, pg_stat_subscription, pg_stat_subscription_stats) and from
the Odoo server through the replication role's own connection (its slot, and its walsender's replay lag
in pg_stat_replication, which only that role or a superuser may read).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import psycopg

from dagster_project.config.database import PROBE_TIMEOUT_S
from dagster_project.replication import diagnosis, subscription
from dagster_project.replication.config import Endpoints, ReplicationConfig

# Lag in seconds: the walsender's replay lag while it streams (NULL once caught up and idle), else the
# time since the slot was last consumed.
_SLOT = """
    SELECT s.active,
           pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint,
           pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint,
           CASE WHEN s.active THEN coalesce(extract(epoch FROM r.replay_lag), 0)
                ELSE extract(epoch FROM now() - s.inactive_since) END::float8,
           s.wal_status
    FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
    WHERE s.slot_name = %s"""

_WORKER = """
    SELECT st.pid, ss.apply_error_count, ss.sync_error_count
    FROM pg_subscription s
    LEFT JOIN pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL AND st.worker_type = 'apply'
    LEFT JOIN pg_stat_subscription_stats ss ON ss.subid = s.oid
    WHERE s.subname = %s AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"""


@dataclass(frozen=True)
class SlotReading:
    active: bool
    lag_bytes: int
    retained_wal_bytes: int
    lag_seconds: float
    wal_status: str


def read_slot(conn: psycopg.Connection, slot: str) -> SlotReading | None:
    """The slot's lag and retained WAL, read on the Odoo server (None when the slot does not exist)."""
    row = conn.execute(_SLOT, (slot,)).fetchone()
    return None if row is None else SlotReading(*row)


@dataclass
class ReplicationStatus:
    env: str
    subscription: str
    exists: bool = False
    enabled: bool = False
    worker_pid: int | None = None
    slot_exists: bool = False
    slot_active: bool = False
    slot_wal_status: str | None = None
    lag_bytes: int | None = None
    lag_seconds: float | None = None
    retained_wal_bytes: int | None = None
    apply_error_count: int = 0
    sync_error_count: int = 0
    tables: dict[str, str] = field(default_factory=dict)  # schema.table -> state name
    worker_cause: str | None = None  # why the apply worker is not running, found by diagnosis
    not_replicated: dict[str, str] = field(default_factory=dict)  # new Odoo table -> line for replication.yaml
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def lag_ok(self, threshold: float) -> bool:
        """Changes flow and arrive within `threshold` seconds."""
        return (self.enabled and self.worker_pid is not None and self.slot_exists
                and self.lag_seconds is not None and self.lag_seconds <= threshold)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "healthy": self.healthy}


def read_status(endpoints: Endpoints, config: ReplicationConfig) -> ReplicationStatus:
    status = ReplicationStatus(endpoints.env, config.subscription)
    with endpoints.connect("warehouse", statement_timeout_s=PROBE_TIMEOUT_S) as wh, \
            endpoints.connect("replication", statement_timeout_s=PROBE_TIMEOUT_S) as repl:
        _read_subscriber(wh, config, status)
        _read_slot(repl, config, status)
        if status.enabled and status.worker_pid is None:
            status.worker_cause = diagnosis.stopped_worker_cause(wh, repl, config, endpoints.env)
        status.not_replicated = diagnosis.unreplicated_tables(repl, config, endpoints.env)
    status.problems = problems(status, config)
    return status


def _read_subscriber(conn: psycopg.Connection, config: ReplicationConfig, status: ReplicationStatus) -> None:
    found = subscription.find(conn, config.subscription)
    if found is None:
        return
    status.exists, status.enabled = True, found.enabled
    pid, apply_errors, sync_errors = conn.execute(_WORKER, (config.subscription,)).fetchone()
    status.worker_pid, status.apply_error_count, status.sync_error_count = pid, apply_errors or 0, sync_errors or 0
    states = subscription.table_states(conn, config.subscription)
    status.tables = {t.qualified: subscription.STATES.get(states.get(t.qualified, ""), "not subscribed")
                     for t in config.tables}


def _read_slot(conn: psycopg.Connection, config: ReplicationConfig, status: ReplicationStatus) -> None:
    slot = read_slot(conn, config.slot)
    if slot is None:
        return
    status.slot_exists, status.slot_active, status.slot_wal_status = True, slot.active, slot.wal_status
    status.lag_bytes, status.lag_seconds, status.retained_wal_bytes = slot.lag_bytes, slot.lag_seconds, \
        slot.retained_wal_bytes


def problems(status: ReplicationStatus, config: ReplicationConfig) -> list[str]:
    """What is wrong, each with what to do about it."""
    heal = f"run `hybrid replication setup --env {status.env}`"
    if not status.exists:
        return [f"subscription {config.subscription} does not exist in the warehouse: {heal}"]
    found = []
    if not status.enabled:
        found.append(f"subscription {config.subscription} is disabled: {heal} (it enables it)")
    if not status.slot_exists:
        found.append(f"replication slot {config.slot} is missing on the Odoo server: {heal} (it re-copies the "
                     "tables)")
    elif status.slot_wal_status == "lost":
        found.append(f"replication slot {config.slot} lost WAL it needed (max_slot_wal_keep_size): {heal}")
    if status.enabled and status.worker_pid is None:
        found.append(f"the apply worker is not running ({status.apply_error_count} apply errors so far): "
                     f"{status.worker_cause or 'the warehouse server log names the cause'}")
    waiting = {t: s for t, s in status.tables.items() if s != "ready"}
    if waiting:
        found.append("tables not ready: " + ", ".join(f"{t} ({s})" for t, s in sorted(waiting.items())))
    for table, line in sorted(status.not_replicated.items()):
        found.append(f"{table} is new in Odoo and not replicated: to replicate it, add `{line.strip()}` under "
                     "tables in config/replication.yaml and run `hybrid replication sync-schema "
                     f"--env {status.env}`; to ignore it, take a new `hybrid odoo schema-snapshot`")
    if status.lag_seconds is not None and status.lag_seconds > config.lag_threshold_seconds:
        found.append(f"lag {status.lag_seconds:.1f}s is above the {config.lag_threshold_seconds:.0f}s threshold")
    return found


def wait_caught_up(endpoints: Endpoints, config: ReplicationConfig, timeout: float = 60) -> bool:
    """Wait until the subscriber has confirmed everything the Odoo server had written when we started."""
    with endpoints.connect("replication", statement_timeout_s=PROBE_TIMEOUT_S) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = conn.execute("SELECT confirmed_flush_lsn >= %s::pg_lsn FROM pg_replication_slots "
                               "WHERE slot_name = %s", (target, config.slot)).fetchone()
            if row and row[0]:
                return True
            time.sleep(0.05)
    return False
