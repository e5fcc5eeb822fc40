"""Snapshots of the Odoo schema (a JSON file) and their differences: see what an Odoo module upgrade
changed before replication meets it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster_project import paths
from dagster_project.config import database
from dagster_project.replication.catalog import read_schemas

SCHEMAS = ("public",)


def default_path(env: str) -> Path:
    return paths.PROJECT_ROOT / "config" / f"odoo-schema.{env}.json"


def take(dsn: str, schemas: tuple[str, ...] = SCHEMAS, source: str = "the Odoo database") -> dict[str, Any]:
    """The columns (name -> type) and primary key of every table in `schemas`."""
    with database.connect(dsn, source=source) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
        tables = read_schemas(conn, schemas)
    return {
        "database": name,
        "taken_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "schemas": list(schemas),
        "tables": {name: tables[name].as_dict() for name in sorted(tables)},
    }


def write(snapshot: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n")


def read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"no schema snapshot at {path}; take one with `hybrid odoo schema-snapshot`") from exc
    if not isinstance(document, dict) or not isinstance(document.get("tables"), dict):
        raise ValueError(f"{path} is not a schema snapshot (no 'tables' mapping); take a new one")
    return document


@dataclass
class SchemaDiff:
    added_tables: list[str] = field(default_factory=list)
    removed_tables: list[str] = field(default_factory=list)
    added_columns: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> column -> type
    removed_columns: dict[str, dict[str, str]] = field(default_factory=dict)
    changed_columns: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # -> {"from", "to"}

    @property
    def different(self) -> bool:
        return any((self.added_tables, self.removed_tables, self.added_columns, self.removed_columns,
                    self.changed_columns))

    def as_dict(self) -> dict[str, object]:
        return {"different": self.different, "added_tables": self.added_tables,
                "removed_tables": self.removed_tables, "added_columns": self.added_columns,
                "removed_columns": self.removed_columns, "changed_columns": self.changed_columns}

    def lines(self) -> list[str]:
        out = [f"+ table {t}" for t in self.added_tables] + [f"- table {t}" for t in self.removed_tables]
        for table, columns in sorted(self.added_columns.items()):
            out += [f"+ column {table}.{c} {ty}" for c, ty in columns.items()]
        for table, columns in sorted(self.removed_columns.items()):
            out += [f"- column {table}.{c} {ty}" for c, ty in columns.items()]
        for table, columns in sorted(self.changed_columns.items()):
            out += [f"~ column {table}.{c} {ch['from']} -> {ch['to']}" for c, ch in columns.items()]
        return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> SchemaDiff:
    old, new = before["tables"], after["tables"]
    result = SchemaDiff(sorted(set(new) - set(old)), sorted(set(old) - set(new)))
    for table in sorted(set(old) & set(new)):
        was, now = old[table]["columns"], new[table]["columns"]
        added = {c: t for c, t in now.items() if c not in was}
        removed = {c: t for c, t in was.items() if c not in now}
        changed = {c: {"from": was[c], "to": t} for c, t in now.items() if c in was and was[c] != t}
        for target, value in ((result.added_columns, added), (result.removed_columns, removed),
                              (result.changed_columns, changed)):
            if value:
                target[table] = value
    return result
