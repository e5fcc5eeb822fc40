"""`hybrid warehouse drift`: the live warehouse against its declarations, the DBML of the platform's own
schemas and the marts' dbt contracts, read as the ops role (the catalog is readable by every role)."""

from __future__ import annotations

from dagster_project.config.matrix import Environment
from dagster_project.config.mattermost import post_message
from dagster_project.warehouse.catalog import read_tables
from dagster_project.warehouse.contracts import read_contracts
from dagster_project.warehouse.declared import read_declaration
from dagster_project.warehouse.diff import SchemaDrift, compare
from dagster_project.warehouse.migrate import ops_connection
from dagster_project.warehouse.shape import Table


def declared_tables() -> dict[str, Table]:
    return {**read_declaration(), **read_contracts()}


def schema_drift(env: Environment, only: tuple[str, ...] = ()) -> SchemaDrift:
    """`only`: these schemas (default: every declared one)."""
    declared = declared_tables()
    schemas = tuple(sorted({t.schema for t in declared.values()} & set(only or [t.schema for t in declared.values()])))
    with ops_connection(env) as conn:
        live = read_tables(conn, schemas)
    return compare(declared, live, schemas, env.name)


def drift_message(drift: SchemaDrift) -> str:
    lines = [f"**Warehouse schema drift in {drift.env}**: {len(drift.changes)} change(s) against the declaration"]
    lines += [f"- {c.action} {c.type} {c.name}" + (f": {', '.join(f['path'] for f in c.fields)}" if c.fields else "")
              for c in drift.changes[:20]]
    lines.append(f"Review with `hybrid warehouse migrate --env {drift.env} --dry-run` (the marts: `hybrid dbt build "
                 f"--env {drift.env}`).")
    return "\n".join(lines)


def notify_schema_drift(drift: SchemaDrift, webhook: str | None = None) -> bool:
    """True when a message was posted; no drift, no message."""
    if not drift.changes:
        return False
    return post_message(drift_message(drift), webhook, kind="warehouse drift alert")
