"""The tables the live path keeps, read from a compiled dbt manifest: each table or incremental model with its
compiled full-refresh SQL (the same SQL `dbt build --full-refresh` runs), the sources and tables upstream of
it, and, when its YAML declares one (`meta.live`), the key by which a change to a few rows reaches a few
of its rows.

    meta:
      live:
        key: [company_id, partner_id]        # columns of the model that partition its rows
        sources: [public.account_move_line]  # the source tables the key query covers
        keys: "select company_id, partner_id from ... where move_line_id in (select id from live_lines)"

A change to a source the key query does not cover, or to a model without a key, rebuilds the whole table."""

from __future__ import annotations

import graphlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

MATERIALIZED = ("table", "incremental")


class CatalogError(ValueError):
    """The manifest cannot drive the live path; the message says how to make one that can."""


@dataclass(frozen=True)
class LiveModel:
    name: str
    schema: str
    table: str
    compiled: str
    upstream_models: frozenset[str]  # live models it reads (directly or through views)
    upstream_sources: frozenset[str]  # replica/ocr tables it reads, as "schema.table"
    key: tuple[str, ...] = ()
    keyed_sources: frozenset[str] = field(default_factory=frozenset)
    keys: str = ""

    @property
    def relation(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.table)

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def query(self) -> sql.SQL:
        return sql.SQL(self.compiled)  # type: ignore[arg-type]  # dbt's compiled SQL of our own project


def table_columns(conn: psycopg.Connection, model: LiveModel) -> sql.Composed:
    """The live table's columns in their order: what a rebuild inserts and a comparison selects."""
    names = conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT "
                         "attisdropped ORDER BY attnum", (model.label,)).fetchall()
    return sql.SQL(", ").join(sql.Identifier(name) for (name,) in names)


@dataclass(frozen=True)
class Catalog:
    models: tuple[LiveModel, ...]  # in dependency order
    sources: frozenset[str]  # every source table, "schema.table"

    def by_name(self) -> dict[str, LiveModel]:
        return {model.name: model for model in self.models}


def _source_table(node: dict[str, Any]) -> str:
    return f"{node['schema']}.{node.get('identifier') or node['name']}"


def source_tables(manifest_path: Path) -> frozenset[str]:
    """Every source table of the project ("schema.table"): what the change record watches."""
    return frozenset(_source_table(s) for s in json.loads(manifest_path.read_text())["sources"].values())


def load_catalog(manifest_path: Path) -> Catalog:
    manifest = json.loads(manifest_path.read_text())
    nodes, sources = manifest["nodes"], manifest["sources"]
    models = {uid: n for uid, n in nodes.items() if n["resource_type"] == "model"}
    live = {uid for uid, n in models.items() if n["config"]["materialized"] in MATERIALIZED}

    Reach = tuple[frozenset[str], frozenset[str]]

    def reach(uid: str, seen: dict[str, Reach]) -> Reach:
        """(live models, sources) a node reads, looking through views."""
        if uid not in seen:
            tables: set[str] = set()
            found: set[str] = set()
            for parent in models[uid]["depends_on"]["nodes"]:
                if parent in sources:
                    found.add(_source_table(sources[parent]))
                elif parent in live:
                    tables.add(parent)
                    found |= reach(parent, seen)[1]
                elif parent in models:
                    more_tables, more_sources = reach(parent, seen)
                    tables |= more_tables
                    found |= more_sources
            seen[uid] = (frozenset(tables), frozenset(found))
        return seen[uid]

    seen: dict[str, Reach] = {}
    order = graphlib.TopologicalSorter({uid: reach(uid, seen)[0] for uid in live}).static_order()
    built = []
    for uid in order:
        node = models[uid]
        if not node.get("compiled_code"):
            raise CatalogError(f"{node['name']} has no compiled SQL in {manifest_path}; fix: `hybrid live run` "
                               "compiles it (dbt compile --full-refresh)")
        spec = node["config"].get("meta", {}).get("live") or {}
        tables, found = reach(uid, seen)
        built.append(LiveModel(
            name=node["name"], schema=node["schema"], table=node.get("alias") or node["name"],
            compiled=node["compiled_code"].strip().rstrip(";"),
            upstream_models=frozenset(models[t]["name"] for t in tables), upstream_sources=found,
            key=tuple(spec.get("key", ())), keyed_sources=frozenset(spec.get("sources", ())),
            keys=spec.get("keys", "")))
    return Catalog(tuple(built), frozenset(_source_table(s) for s in sources.values()))
