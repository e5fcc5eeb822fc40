"""The live instance, read cheaply: one paged listing per type (uuid, changed_on, title, ownership marker,
managed lock), and one export call per type for the objects whose field values are actually needed.

Superset's export leaves out the two fields that make an object managed, `is_managed_externally` (the UI's
edit lock) and `external_url` (its "edit in Git" link): they are import-only. A peer tool that re-imports
our bundle with its own defaults unlocks every object, so both are read separately and put back into the
normalized body: the lock from the REST API (chart and dashboard listings, a dataset's own record), the
link from Superset's metadata database when the environment names it (`superset.meta_db_url`), since no
API returns it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from dagster_project.config import database
from dagster_project.superset.client import SupersetClient
from dagster_project.superset.normalize import LOCK, URL, normalize, read_export

KINDS = ("database", "dataset", "chart", "dashboard")
TITLE = {"database": "database_name", "dataset": "table_name", "chart": "slice_name", "dashboard": "dashboard_title"}
CHANGED = {"database": "changed_on"}
MARKER_FIELD = {"dataset": "extra", "chart": "certification_details", "dashboard": "certification_details"}
LOCK_LISTED = ("chart", "dashboard")  # the dataset listing has no lock column: its record has
META_TABLES = {"dataset": "tables", "chart": "slices", "dashboard": "dashboards"}
MARKER_ENV = re.compile(r"managed as code by hybrid \(superset_assets, env ([^)]+)\)")


@dataclass(frozen=True)
class LiveRow:
    kind: str
    id: int
    uuid: str
    changed_on: str | None
    title: str
    managed_env: str | None  # the environment whose control plane owns it (its marker), or None
    locked: bool | None = None  # is_managed_externally, where the listing has it (charts, dashboards)


def list_live(client: SupersetClient, kinds: Iterable[str] = KINDS) -> dict[str, LiveRow]:
    rows: dict[str, LiveRow] = {}
    for kind in kinds:
        changed = CHANGED.get(kind, "changed_on_utc")
        columns = ["uuid", changed, TITLE[kind], *([MARKER_FIELD[kind]] if kind in MARKER_FIELD else []),
                   *([LOCK] if kind in LOCK_LISTED else [])]
        for row in client.list(kind, columns=columns):
            rows[str(row["uuid"])] = LiveRow(kind, int(row["id"]), str(row["uuid"]), row.get(changed),
                                             str(row.get(TITLE[kind])), managed_env(kind, row),
                                             bool(row[LOCK]) if LOCK in row else None)
    return rows


def managed_env(kind: str, row: dict[str, Any]) -> str | None:
    """The namespace an object's marker names (a listing row or an exported body), or None."""
    value = row.get(MARKER_FIELD.get(kind, ""))
    if kind == "dataset" and value:
        extra = json.loads(value) if isinstance(value, str) else value
        value = ((extra or {}).get("certification") or {}).get("details")
    found = MARKER_ENV.search(value) if isinstance(value, str) else None
    return found.group(1) if found else None


def owned_fields(meta_dsn: str | None) -> tuple[str, ...]:
    """The managed fields the live side can be read for: the link needs Superset's metadata database."""
    return (LOCK, URL) if meta_dsn else (LOCK,)


def unchanged_since(row: LiveRow, seen: dict[str, Any]) -> bool:
    """The cheap pre-check: same `changed_on` as recorded and, where the listing shows it, the same lock."""
    recorded_lock = (seen.get("live") or {}).get(LOCK)
    return seen.get("changed_on") == row.changed_on and (row.locked is None or recorded_lock is None
                                                         or row.locked == recorded_lock)


def export_normalized(client: SupersetClient, rows: Iterable[LiveRow], meta_dsn: str | None = None
                      ) -> dict[str, dict[str, Any]]:
    """uuid -> normalized live body with its lock (and link, given `meta_dsn`), one export call per type
    (dependencies in the ZIP are skipped)."""
    by_kind: dict[str, list[LiveRow]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    found: dict[str, dict[str, Any]] = {}
    for kind, wanted in by_kind.items():
        uuids = {row.uuid for row in wanted}
        for uuid, (exported_kind, body) in read_export(client.export_objects(kind, [r.id for r in wanted])).items():
            if uuid in uuids and exported_kind == kind:
                found[uuid] = normalize(kind, body)
    for uuid, owned in ownership(client, [r for rows in by_kind.values() for r in rows], meta_dsn).items():
        if uuid in found:
            found[uuid].update(owned)
    return found


def ownership(client: SupersetClient, rows: Iterable[LiveRow], meta_dsn: str | None = None
              ) -> dict[str, dict[str, Any]]:
    """uuid -> {is_managed_externally[, external_url]} of datasets, charts and dashboards."""
    rows = [row for row in rows if row.kind in META_TABLES]
    if meta_dsn:
        return _ownership_from_metadata(meta_dsn, rows)
    return {row.uuid: {LOCK: row.locked if row.locked is not None else bool(client.get(row.kind, row.id).get(LOCK))}
            for row in rows}


def _ownership_from_metadata(meta_dsn: str, rows: list[LiveRow]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    with database.connect(meta_dsn, autocommit=True) as conn:
        for kind, table in META_TABLES.items():
            uuids = [row.uuid for row in rows if row.kind == kind]
            if not uuids:
                continue
            query = sql.SQL("SELECT uuid::text, coalesce(is_managed_externally, false), external_url FROM {} "
                            "WHERE uuid = ANY(%s::uuid[])").format(sql.Identifier(table))
            for uuid, locked, url in conn.execute(query, (uuids,)):
                found[uuid] = {LOCK: bool(locked), URL: url}
    return found
