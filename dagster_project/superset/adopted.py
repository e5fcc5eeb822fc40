"""Compiling the templates `hybrid export` writes for objects made in the UI: the chart's form data, the
dashboard's layout and metadata exactly as Superset had them, with references by logical name instead of
UUIDs. So an adopted object compiles back to what the user made (no defaults added), and only the
ownership fields (the lock, the marker, the link) change when it is applied.

`layout:` is Superset's position tree whose CHART nodes carry `meta.chart: <logical name>`; `metadata:`
native filter targets carry `dataset: <logical name>`. Compile turns both into this environment's UUIDs.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Protocol

from dagster_project.superset.querycontext import ChartQuery, query_from_form_data


class Named(Protocol):
    uuid: str
    title: str


def chart_parts(spec: dict[str, Any], time_column: str | None) -> tuple[dict[str, Any], str | None, ChartQuery]:
    """Params, the saved query context (JSON, or None when the chart never had one) and what it reads."""
    params = copy.deepcopy(spec["form_data"])
    viz_type = str(spec.get("viz_type") or params.get("viz_type") or "")
    context = spec.get("query_context")
    return params, (json.dumps(context, sort_keys=True) if context else None), \
        query_from_form_data(viz_type, params, time_column)


def layout_charts(layout: dict[str, Any]) -> list[str]:
    """The logical names of the charts a layout places, in layout order."""
    return [str(node["meta"]["chart"]) for node in layout.values()
            if isinstance(node, dict) and node.get("type") == "CHART" and "chart" in (node.get("meta") or {})]


def position(layout: dict[str, Any], charts: dict[str, Named]) -> dict[str, Any]:
    """The layout with each chart's UUID in this environment (Superset's importer rewrites `chartId`)."""
    out = copy.deepcopy(layout)
    for index, node in enumerate(out.values()):
        meta = node.get("meta") if isinstance(node, dict) and node.get("type") == "CHART" else None
        if isinstance(meta, dict) and "chart" in meta:
            chart = charts.get(str(meta.pop("chart")))
            meta["uuid"] = chart.uuid if chart else None
            meta["chartId"] = index
    return out


def metadata(declared: dict[str, Any], datasets: dict[str, Named]) -> dict[str, Any]:
    out = copy.deepcopy(declared)
    for native in out.get("native_filter_configuration") or []:
        for target in native.get("targets") or []:
            if "dataset" in target:
                dataset = datasets.get(str(target.pop("dataset")))
                target["datasetUuid"] = dataset.uuid if dataset else None
    return out
