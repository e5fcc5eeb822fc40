"""Asset checks on every `odoo/<table>`: lag within the threshold, replica schema equal to the source's,
row count equal to the source's once the subscriber has caught up."""

from __future__ import annotations

from collections.abc import Iterator

from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, AssetCheckSpec, multi_asset_check
from psycopg import sql

from dagster_project.config.database import PROBE_TIMEOUT_S
from dagster_project.replication import schema_plan
from dagster_project.replication.assets import asset_key
from dagster_project.replication.catalog import read_tables
from dagster_project.replication.config import Endpoints, ReplicationConfig
from dagster_project.replication.status import ReplicationStatus, read_status, wait_caught_up
from dagster_project.resources.postgres import PostgresResource

LAG, SCHEMA, ROWS = "replication_lag", "schema_matches_source", "row_count_parity"


def lag_results(status: ReplicationStatus, config: ReplicationConfig) -> list[AssetCheckResult]:
    """Red for every table when changes do not flow (disabled, worker down, slot missing, lag too high)."""
    flowing = status.lag_ok(config.lag_threshold_seconds)
    results = []
    for table in config.tables:
        state = status.tables.get(table.qualified, "not subscribed")
        results.append(AssetCheckResult(
            asset_key=asset_key(table), check_name=LAG, passed=flowing and state == "ready",
            metadata={"lag_seconds": status.lag_seconds if status.lag_seconds is not None else -1.0,
                      "lag_bytes": status.lag_bytes if status.lag_bytes is not None else -1,
                      "threshold_seconds": config.lag_threshold_seconds, "sync_state": state,
                      "subscription_enabled": status.enabled, "problems": "; ".join(status.problems) or "none"}))
    return results


def schema_results(endpoints: Endpoints, config: ReplicationConfig) -> list[AssetCheckResult]:
    with endpoints.connect("source", statement_timeout_s=PROBE_TIMEOUT_S) as src, \
            endpoints.connect("warehouse", statement_timeout_s=PROBE_TIMEOUT_S) as wh:
        changes = schema_plan.changes_between(src, wh, config)
    results = []
    for table in config.tables:
        mine = [c for c in changes if c.table == table.qualified]
        results.append(AssetCheckResult(
            asset_key=asset_key(table), check_name=SCHEMA, passed=not mine,
            metadata={"differences": "; ".join(c.summary for c in mine) or "none",
                      "ddl": "; ".join(s for c in mine for s in c.ddl) or "none"}))
    return results


def _counts(endpoints: Endpoints, which: str, config: ReplicationConfig) -> dict[str, int]:
    with endpoints.connect(which, statement_timeout_s=PROBE_TIMEOUT_S) as conn:
        present = read_tables(conn, [t.qualified for t in config.tables])
        return {t.qualified: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(t.ident)).fetchone()[0]
                for t in config.tables if t.qualified in present}


def row_count_results(endpoints: Endpoints, config: ReplicationConfig, attempts: int = 3) -> list[AssetCheckResult]:
    """Counts compared after the subscriber confirmed the source's current WAL position; retried because
    Odoo keeps writing meanwhile. A mismatch is a warning: the lag check owns the hard failure."""
    source, replica = {}, {}
    for _ in range(attempts):
        source = _counts(endpoints, "source", config)
        wait_caught_up(endpoints, config, timeout=config.lag_threshold_seconds)
        replica = _counts(endpoints, "warehouse", config)
        if source == replica:
            break
    return [AssetCheckResult(asset_key=asset_key(t), check_name=ROWS, severity=AssetCheckSeverity.WARN,
                             passed=source.get(t.qualified) == replica.get(t.qualified),
                             metadata={"source_rows": source.get(t.qualified, -1),
                                       "replica_rows": replica.get(t.qualified, -1)})
            for t in config.tables]


def build_replication_checks(config: ReplicationConfig, env: str) -> AssetChecksDefinition:
    descriptions = {LAG: f"changes reach the warehouse within {config.lag_threshold_seconds:.0f}s",
                    SCHEMA: "the warehouse table has the Odoo table's columns and types",
                    ROWS: "the warehouse table has as many rows as the Odoo table"}
    specs = [AssetCheckSpec(name, asset=asset_key(t), description=text)
             for t in config.tables for name, text in descriptions.items()]

    @multi_asset_check(specs=specs, name="odoo_replication_checks",
                       description="Lag, schema and row-count checks of every replicated Odoo table.")
    def odoo_replication_checks(odoo_db: PostgresResource, odoo_replication: PostgresResource,
                                warehouse: PostgresResource) -> Iterator[AssetCheckResult]:
        endpoints = Endpoints(env, odoo_db.dsn, odoo_replication.dsn, warehouse.dsn,
                              sources={"source": odoo_db.source, "replication": odoo_replication.source,
                                       "warehouse": warehouse.source})
        yield from lag_results(read_status(endpoints, config), config)
        yield from schema_results(endpoints, config)
        yield from row_count_results(endpoints, config)

    return odoo_replication_checks
