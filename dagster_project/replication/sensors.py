"""The replication sensor: a runless materialization of `odoo/<table>` whenever the table's replica changed,
so eager downstream assets run.

Cheap per tick: one read of the warehouse's cumulative tuple counters (pg_stat_user_tables, which count
the apply worker's inserts, updates and deletes), then a count and max(write_date) of only the tables whose
counter moved since the cursor.
"""

from __future__ import annotations

import json
from datetime import datetime

import psycopg
from dagster import (
    AssetMaterialization,
    DefaultSensorStatus,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)
from psycopg import sql

from dagster_project.config.database import PROBE_TIMEOUT_S
from dagster_project.replication.assets import asset_key
from dagster_project.replication.catalog import read_tables
from dagster_project.replication.config import ReplicatedTable, ReplicationConfig
from dagster_project.replication.status import read_slot
from dagster_project.resources.postgres import PostgresResource

_COUNTERS = """
    SELECT schemaname || '.' || relname, n_tup_ins + n_tup_upd + n_tup_del
    FROM pg_stat_user_tables WHERE schemaname || '.' || relname = ANY(%s)"""


def read_counters(conn: psycopg.Connection, config: ReplicationConfig) -> dict[str, int]:
    return dict(conn.execute(_COUNTERS, ([t.qualified for t in config.tables],)).fetchall())


def changed(counters: dict[str, int], cursor: dict[str, int]) -> list[str]:
    """Tables whose counter moved (a reset after a crash counts: better a spare update than a missed one)."""
    return [table for table, value in counters.items() if cursor.get(table) != value]


def table_facts(conn: psycopg.Connection, table: ReplicatedTable,
                has_write_date: bool) -> tuple[int, datetime | None]:
    latest = sql.SQL("max(write_date)") if has_write_date else sql.SQL("NULL::timestamp")
    return conn.execute(sql.SQL("SELECT count(*), {} FROM {}").format(latest, table.ident)).fetchone()


def materializations(warehouse: PostgresResource, replication: PostgresResource, config: ReplicationConfig,
                     cursor: dict[str, int]) -> tuple[list[AssetMaterialization], dict[str, int]]:
    """The materializations this tick reports and the new cursor."""
    with warehouse.connect(autocommit=True, statement_timeout_s=PROBE_TIMEOUT_S) as conn:
        counters = read_counters(conn, config)
        moved = changed(counters, cursor)
        shapes = read_tables(conn, moved)
        facts = {name: table_facts(conn, config.table(name), "write_date" in shapes[name].column_types)
                 for name in moved if name in shapes}
    lag = _lag(replication, config)
    events = [
        AssetMaterialization(asset_key(config.table(name)), metadata={
            "dagster/row_count": rows, "latest_write_date": str(latest) if latest else "none",
            "replication_lag_seconds": lag[1], "replication_lag_bytes": lag[0]})
        for name, (rows, latest) in facts.items()
    ]
    return events, counters


def _lag(replication: PostgresResource, config: ReplicationConfig) -> tuple[int, float]:
    """Slot lag (bytes, seconds); -1 when the slot is missing (the lag check says why)."""
    with replication.connect(autocommit=True, statement_timeout_s=PROBE_TIMEOUT_S) as conn:
        slot = read_slot(conn, config.slot)
    return (slot.lag_bytes, slot.lag_seconds) if slot else (-1, -1.0)


# A tick costs one catalog read and one slot query; 5 s is also the daemon's own sensor loop, so a commit waits
# at most about 5 s to be reported (bench/bench_freshness.py measures the whole chain).
SENSOR_INTERVAL_SECONDS = 5


def build_replication_sensor(config: ReplicationConfig) -> SensorDefinition:
    @sensor(name="odoo_replication_sensor", minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
            default_status=DefaultSensorStatus.RUNNING,
            description="Reports a materialization of odoo/<table> whenever its warehouse replica changed.")
    def odoo_replication_sensor(context: SensorEvaluationContext, warehouse: PostgresResource,
                                odoo_replication: PostgresResource) -> SensorResult:
        cursor = json.loads(context.cursor) if context.cursor else {}
        events, counters = materializations(warehouse, odoo_replication, config, cursor)
        return SensorResult(asset_events=events, cursor=json.dumps(counters, sort_keys=True))

    return odoo_replication_sensor
