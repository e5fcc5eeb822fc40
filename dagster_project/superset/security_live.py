"""Roles and row-level security filters as the live Superset has them, in the normalized form of security.py.

Reading is cheap: one listing of roles, one of RLS filters (the listing carries every field, description
included) and one permissions call per role of interest. Dataset ids become the bundle's logical names
(`datasets`: live id -> name), so the comparison holds across instances and re-imports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dagster_project.superset.client import SupersetClient
from dagster_project.superset.live import MARKER_ENV
from dagster_project.superset.security import permission_label, table_label

ROLES, RLS, PERMISSIONS = "security/roles", "rowlevelsecurity", "security/permissions-resources"


@dataclass(frozen=True)
class LiveFilter:
    id: int
    body: dict[str, Any]  # normalized: name, filter_type, clause, group_key, description, roles, tables
    owner: str | None  # the namespace whose marker the description carries


@dataclass
class LiveSecurity:
    role_ids: dict[str, int]  # every role: name -> id
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)  # read roles: name -> {name, permissions}
    filters: dict[str, LiveFilter] = field(default_factory=dict)  # every RLS filter by name

    def role_names(self) -> dict[int, str]:
        return {pk: name for name, pk in self.role_ids.items()}


def read_security(client: SupersetClient, datasets: Mapping[int, str], roles: Iterable[str]) -> LiveSecurity:
    """Every role's id, the permissions of `roles` (those that exist), and every RLS filter."""
    live = LiveSecurity({str(row["name"]): int(row["id"]) for row in client.list(ROLES)})
    for name in sorted(set(roles)):
        if name in live.role_ids:
            live.roles[name] = role_body(client, name, live.role_ids[name], datasets)
    for row in client.list(RLS):
        body = rls_body(row, datasets)
        found = MARKER_ENV.search(row.get("description") or "")
        live.filters[body["name"]] = LiveFilter(int(row["id"]), body, found.group(1) if found else None)
    return live


def role_body(client: SupersetClient, name: str, role_id: int, datasets: Mapping[int, str]) -> dict[str, Any]:
    labels = [permission_label(p["permission_name"], p["view_menu_name"], datasets)
              for p in client.role_permissions(role_id)]
    return {"name": name, "permissions": dict.fromkeys(sorted(labels), True)}


def rls_body(row: Mapping[str, Any], datasets: Mapping[int, str]) -> dict[str, Any]:
    return {"name": row["name"], "filter_type": row.get("filter_type"), "clause": row.get("clause"),
            "group_key": row.get("group_key"), "description": row.get("description"),
            "roles": dict.fromkeys(sorted(str(r["name"]) for r in row.get("roles") or []), True),
            "tables": dict.fromkeys(sorted(table_label(t, datasets) for t in row.get("tables") or []), True)}


def permission_ids(client: SupersetClient, datasets: Mapping[int, str]) -> dict[str, int]:
    """label -> permission-on-resource id, for every permission Superset knows (a few pages)."""
    rows = client.list(PERMISSIONS, columns=("permission.name", "view_menu.name"))
    return {permission_label(r["permission"]["name"], r["view_menu"]["name"], datasets): int(r["id"]) for r in rows}
