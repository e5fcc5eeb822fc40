"""The marts' declared shape: their dbt model contracts, read from the parsed manifest. A contract names each
column and its type (and NOT NULL where it has the constraint); a mart with a company_id column that dbt
builds as a table carries the company row-level-security policy (dbt/macros/company_rls.sql)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dagster_project.dbt.manifest import ensure_manifest
from dagster_project.warehouse.shape import Column, Policy, Table, canonical_type

MARTS_SCHEMA = "warehouse"
COMPANY_POLICY = Policy("company_scope", "SELECT")


def read_contracts(manifest: Path | None = None, schema: str = MARTS_SCHEMA) -> dict[str, Table]:
    """Each contracted model dbt builds in `schema`, keyed `schema.model`."""
    nodes = json.loads((manifest or ensure_manifest(progress=lambda _: None)).read_text())["nodes"].values()
    return {f"{schema}.{node['name']}": _table(node) for node in nodes
            if node["resource_type"] == "model" and node["schema"] == schema
            and node["config"].get("contract", {}).get("enforced")}


def _table(node: dict[str, Any]) -> Table:
    columns = {name: _column(name, spec) for name, spec in node["columns"].items()}
    secured = "company_id" in columns and node["config"]["materialized"] in ("table", "incremental")
    return Table(node["schema"], node["name"], columns, rls=secured,
                 policies={COMPANY_POLICY.name: COMPANY_POLICY} if secured else {},
                 note=node.get("description") or "", source=f"dbt contract of {node['name']}", strict=False)


def _column(name: str, spec: dict[str, Any]) -> Column:
    not_null = any(c.get("type") == "not_null" for c in spec.get("constraints") or ())
    return Column(name, canonical_type(spec.get("data_type") or "")[0], False if not_null else None,
                  note=spec.get("description") or "")
