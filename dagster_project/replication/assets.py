"""One external asset `odoo/<table>` per replicated Odoo table: Odoo writes it, replication copies it, the
replication sensor reports each change as a runless materialization."""

from __future__ import annotations

import json

from dagster import AssetKey, AssetSpec, TableColumn, TableSchema

from dagster_project.odoo.schema import TABLES_BY_NAME
from dagster_project.replication import snapshot
from dagster_project.replication.config import ReplicatedTable, ReplicationConfig


def asset_key(table: ReplicatedTable) -> AssetKey:
    return AssetKey(["odoo", table.name])


def column_types(table: ReplicatedTable, env: str) -> dict[str, str]:
    """From the environment's schema snapshot (the real Odoo) when one was taken, else the local generator's
    columns: definitions load without a database."""
    path = snapshot.default_path(env)
    if path.is_file():
        recorded = json.loads(path.read_text()).get("tables", {}).get(table.qualified)
        if recorded:
            return recorded["columns"]
    generated = TABLES_BY_NAME.get(table.name)
    return dict(generated.columns) if generated and table.schema == "public" else {}


def _description(table: ReplicatedTable) -> str:
    what = (f"many2many link table of {table.model}.{table.field}" if table.is_link
            else f"Odoo model {table.model}")
    return (f"{table.qualified} ({what}), replicated from Odoo into the warehouse's {table.qualified} by "
            "logical replication.")


def replicated_asset_specs(config: ReplicationConfig, env: str) -> list[AssetSpec]:
    specs = []
    for table in config.tables:
        metadata: dict[str, object] = {"odoo/model": table.model, "dagster/table_name": table.qualified}
        if table.field:
            metadata["odoo/field"] = table.field
        columns = column_types(table, env)
        if columns:
            metadata["dagster/column_schema"] = TableSchema(
                columns=[TableColumn(name, type_) for name, type_ in columns.items()])
        specs.append(AssetSpec(asset_key(table), group_name="odoo", description=_description(table),
                               metadata=metadata, kinds={"postgres"}))
    return specs
