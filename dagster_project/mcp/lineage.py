"""Lineage as a tool: what is upstream and downstream of an Odoo table, a mart or a dashboard, from the same
asset graph the Dagster UI shows (the code location's definitions, loaded on the first call: ~2 s)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from functools import cache
from typing import Annotated, Any

from dagster import AssetKey
from pydantic import Field

from dagster_project.mcp.context import Context, ToolSpec


@cache
def _graph() -> Any:
    from dagster_project.definitions import defs  # the top layer: only this tool needs it, and only when called

    return defs.resolve_asset_graph()


def _closure(start: AssetKey, step: Callable[[AssetKey], Iterable[AssetKey]]) -> list[str]:
    seen: set[AssetKey] = set()
    todo = list(step(start))
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo += step(key)
    return sorted(key.to_user_string() for key in seen)


def asset_key(node: str) -> AssetKey:
    """An asset by its key (`warehouse/ar_aging`) or by its last part when only one asset ends so."""
    keys = {key.to_user_string(): key for key in _graph().get_all_asset_keys()}
    matches = [node] if node in keys else [name for name in keys if name.split("/")[-1] == node]
    if len(matches) != 1:
        hint = (f"it names {len(matches)} assets: {', '.join(sorted(matches))}; fix: pass one of them" if matches else
                f"no asset is called that; close: {', '.join(difflib.get_close_matches(node, keys, 5, 0.4)) or 'none'}")
        raise LookupError(f"{node!r}: {hint}")
    return keys[matches[0]]


def is_materializable(key: AssetKey) -> bool:
    return _graph().get(key).is_materializable


def lineage(node: str) -> dict[str, Any]:
    graph = _graph()
    key = asset_key(node)
    node_info = graph.get(key)
    return {"asset": key.to_user_string(), "parents": sorted(k.to_user_string() for k in node_info.parent_keys),
            "children": sorted(k.to_user_string() for k in node_info.child_keys),
            "upstream": _closure(key, lambda k: graph.get(k).parent_keys),
            "downstream": _closure(key, lambda k: graph.get(k).child_keys)}


def tools(ctx: Context) -> list[ToolSpec]:
    def lineage_of(
            asset: Annotated[str, Field(description="An asset key (odoo/account_move_line, warehouse/ar_aging, "
                                                    "superset/dashboard/ar_aging) or its last part if unique.")],
    ) -> dict[str, Any]:
        """What an Odoo table, a mart or a dashboard comes from and feeds, as the Dagster asset graph says."""
        return lineage(asset)

    return [ToolSpec("lineage_of", lineage_of)]
