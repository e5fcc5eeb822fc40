"""Making a Superset export and a compiled object comparable, and diffing them field by field.

An export carries instance-specific values (integer ids in `params.datasource`, `query_context`,
`position.*.meta.chartId`, native filter `datasetId`), server defaults and known rewrites (a dataset refresh
resets `groupby`/`filterable` and sets column types). Those are removed here so that only real differences
remain; lists keyed by name (dataset columns and metrics) become mappings so field paths read
`columns.residual_amount.verbose_name`.
"""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import yaml

from dagster_project.config.redact import mask_dsn
from dagster_project.superset.bundle import MASK

LOCK, URL = "is_managed_externally", "external_url"  # not in Superset's export: live.py reads them apart
DROP = {"version", "password", "id"}
PARAMS_DROP = {"datasource", "slice_id", "dashboards", "url_params"}
COLUMN_KEYS = ("is_dttm", "verbose_name", "description", "expression")
METRIC_KEYS = ("expression", "verbose_name", "d3format", "description")
FILTER_DROP = {"chartsInScope", "tabsInScope"}
# Where extra keys on the live side are server defaults rather than drift.
LENIENT = ("", "metadata", "query_context", "query_context.queries.*", "query_context.form_data")
FOLDERS = {"databases": "database", "datasets": "dataset", "charts": "chart", "dashboards": "dashboard"}


@dataclass(frozen=True)
class FieldChange:
    path: str
    expected: Any
    actual: Any

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "expected": self.expected, "actual": self.actual}


def normalize(kind: str, body: dict[str, Any], owned: tuple[str, ...] = (LOCK, URL)) -> dict[str, Any]:
    """`owned`: which of the managed fields to keep (the live side can read the link only from Superset's
    metadata database)."""
    out = {k: copy.deepcopy(v) for k, v in body.items()
           if k not in DROP and not k.startswith("_") and (k not in (LOCK, URL) or k in owned)}
    return {"database": _database, "dataset": _dataset, "chart": _chart, "dashboard": _dashboard}[kind](out)


def _database(out: dict[str, Any]) -> dict[str, Any]:
    if isinstance(out.get("sqlalchemy_uri"), str):
        out["sqlalchemy_uri"] = mask_dsn(out["sqlalchemy_uri"], MASK)
    out.pop("extra", None)
    return out


def _dataset(out: dict[str, Any]) -> dict[str, Any]:
    out["columns"] = {c["column_name"]: {k: c.get(k) for k in COLUMN_KEYS if k != "expression" or c.get(k)}
                      for c in out.get("columns") or []}
    out["metrics"] = {m["metric_name"]: {k: m.get(k) for k in METRIC_KEYS} for m in out.get("metrics") or []}
    if isinstance(out.get("extra"), str):
        out["extra"] = json.loads(out["extra"] or "{}")
    for key in ("params", "template_params", "folders", "offset", "default_endpoint", "fetch_values_predicate",
                "normalize_columns", "always_filter_main_dttm", "catalog", "currency_code_column", "data"):
        out.pop(key, None)
    return out


def _chart(out: dict[str, Any]) -> dict[str, Any]:
    params = out.get("params") or {}
    if isinstance(params, str):
        params = json.loads(params or "{}")
    out["params"] = _params(params)
    context = out.get("query_context")
    context = json.loads(context) if isinstance(context, str) and context else (context or {})
    context.pop("datasource", None)
    if isinstance(context.get("form_data"), dict):
        context["form_data"] = _params(context["form_data"])
    for query in context.get("queries") or []:
        query.pop("datasource", None)
    out["query_context"] = context
    for key in ("datasource_type", "datasource_name", "datasource_id"):
        out.pop(key, None)
    return out


def _params(params: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in params.items() if k not in PARAMS_DROP}
    cleaned.setdefault("annotation_layers", [])
    return cleaned


def _dashboard(out: dict[str, Any]) -> dict[str, Any]:
    for node in (out.get("position") or {}).values():
        if isinstance(node, dict) and isinstance(node.get("meta"), dict):
            node["meta"].pop("chartId", None)
    metadata = out.get("metadata") or {}
    for key in ("chart_configuration", "global_chart_configuration", "positions", "show_native_filters",
                "filter_scopes", "default_filters", "shared_label_colors", "map_label_colors", "color_scheme_domain",
                "native_filter_migration"):
        metadata.pop(key, None)
    for native in metadata.get("native_filter_configuration") or []:
        for key in FILTER_DROP:
            native.pop(key, None)
        for target in native.get("targets") or []:
            target.pop("datasetId", None)
    out["metadata"] = metadata
    out.pop("theme_uuid", None)
    return out


def diff(expected: Any, actual: Any, path: str = "") -> list[FieldChange]:
    """Field paths where `actual` differs from `expected`; extra live keys count except at LENIENT paths."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        keys = list(expected) + ([] if _lenient(path) else [k for k in actual if k not in expected])
        changes: list[FieldChange] = []
        for key in keys:
            sub = f"{path}.{key}" if path else str(key)
            if key not in actual:
                changes.append(FieldChange(sub, expected[key], None))
            elif key not in expected:
                changes.append(FieldChange(sub, None, actual[key]))
            else:
                changes += diff(expected[key], actual[key], sub)
        return changes
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual) \
            and all(isinstance(x, dict) for x in expected + actual):
        return [c for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for c in diff(e, a, f"{path}.{i}")]
    return [] if expected == actual else [FieldChange(path, expected, actual)]


def _lenient(path: str) -> bool:
    generic = re.sub(r"\.\d+(?=\.|$)", ".*", path)
    return generic in LENIENT


def read_export(zip_bytes: bytes) -> dict[str, tuple[str, dict[str, Any]]]:
    """uuid -> (kind, body) for every object in an export ZIP (Superset's file names are ignored)."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        for name in archive.namelist():
            parts = name.split("/")
            kind = FOLDERS.get(parts[1]) if len(parts) > 2 else None
            if kind and name.endswith(".yaml"):
                body = yaml.safe_load(archive.read(name))
                found[str(body["uuid"])] = (kind, body)
    return found
