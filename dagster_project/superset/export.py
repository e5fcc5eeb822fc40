"""`hybrid export`: adopt a dashboard made in the Superset UI as code.

The dashboard is exported with its charts and datasets and written back as templates in the short form
compile reads (`superset_assets/{dashboards,charts,datasets}/<name>.yaml`). Datasets that already have a
template (same table) are reused, not rewritten; ad-hoc metrics become saved metrics of the new dataset
templates. Existing files are kept unless `overwrite` is set. Run `hybrid validate` afterwards.

Everything read from Superset is data: each string is written through `literal()` (it renders to itself,
whatever template syntax it holds) and file names are slugs proven to stay under their folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from slugify import slugify as _slugify

from dagster_project.superset.client import SupersetClient, SupersetError
from dagster_project.superset.normalize import read_export
from dagster_project.superset.querycontext import OPERATORS
from dagster_project.superset.templates import literal, load_sources

DEFAULT_METRICS = {"count"}  # added by Superset itself; compile ships it anyway
NUMBER_MARKERS = ("[[ cache.chart ]]", "[[ cache.dataset ]]")  # the only values export writes as template code


@dataclass
class Adoption:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"written": [str(p) for p in self.written], "kept": [str(p) for p in self.kept],
                "warnings": self.warnings}


def slugify(text: str) -> str:
    """A file stem and logical name: lower-case ASCII letters, digits and `_` (`../../x` becomes `x`)."""
    return _slugify(text, separator="_") or "unnamed"


def _data(value: Any) -> Any:
    """A value read from Superset, as template text that renders back to exactly that value."""
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, list):
        return [_data(v) for v in value]
    if isinstance(value, dict):
        return {k: _data(v) for k, v in value.items()}
    return value


def find_dashboard(client: SupersetClient, ref: str) -> int:
    """A dashboard by id, slug or exact title."""
    if ref.isdigit():
        return int(ref)
    for column in ("slug", "dashboard_title"):
        rows = client.list("dashboard", filters=[(column, "eq", ref)])
        if rows:
            return int(rows[0]["id"])
    raise SupersetError(f"dashboard '{ref}'", 404, "no dashboard has that id, slug or title; "
                        "fix: copy the id from the dashboard's URL")


def export_dashboard(client: SupersetClient, ref: str, root: Path, env: str, overwrite: bool = False) -> Adoption:
    return adopt(read_export(client.export_dashboards([find_dashboard(client, ref)])), root, env, overwrite)


def adopt(objects: dict[str, tuple[str, dict[str, Any]]], root: Path, env: str, overwrite: bool = False) -> Adoption:
    """Write templates for the objects of one dashboard export ({uuid: (kind, body)}, as read_export reads it)."""
    existing = {src.spec.get("table", src.name): src.name for src in load_sources(env, root).of("datasets").values()}
    adoption = Adoption()
    datasets: dict[str, str] = {}  # uuid -> logical name
    extra_metrics: dict[str, dict[str, dict[str, Any]]] = {}
    for uuid, (kind, body) in objects.items():
        if kind == "dataset":
            datasets[uuid] = existing.get(body["table_name"], slugify(body["table_name"]))
    charts: dict[str, str] = {}
    for uuid, (kind, body) in objects.items():
        if kind == "chart":
            charts[uuid] = slugify(body["slice_name"])
            spec = _chart_spec(body, datasets, extra_metrics, adoption)
            _write(root, "charts", charts[uuid], spec, adoption, overwrite)
    for uuid, (kind, body) in objects.items():
        if kind == "dataset" and body["table_name"] not in existing:
            spec = _dataset_spec(body, extra_metrics.get(datasets[uuid], {}))
            _write(root, "datasets", datasets[uuid], spec, adoption, overwrite)
        elif kind == "dataset" and extra_metrics.get(datasets[uuid]):
            adoption.warnings.append(f"dataset '{datasets[uuid]}' already has a template: add the metrics "
                                     f"{sorted(extra_metrics[datasets[uuid]])} to it by hand")
    for _uuid, (kind, body) in objects.items():
        if kind == "dashboard":
            name = slugify(body.get("slug") or body["dashboard_title"])
            _write(root, "dashboards", name, _dashboard_spec(body, charts, datasets), adoption, overwrite)
    return adoption


def _metric_name(metric: Any, dataset: str, extra: dict[str, dict[str, dict[str, Any]]]) -> str:
    """A saved metric's name as is; an ad-hoc metric becomes a saved metric of its dataset."""
    if isinstance(metric, str):
        return metric
    label = metric.get("label") or "metric"
    if metric.get("expressionType") == "SQL":
        expression = metric["sqlExpression"]
    else:
        expression = f"{metric.get('aggregate', 'SUM')}({(metric.get('column') or {}).get('column_name', '*')})"
    name = slugify(label)
    extra.setdefault(dataset, {})[name] = {"name": name, "expression": expression, "label": label}
    return name


def _columns(values: list[Any], chart: str, adoption: Adoption) -> list[str]:
    names = []
    for value in values:
        if isinstance(value, str):
            names.append(value)
        else:
            adoption.warnings.append(f"chart '{chart}': ad-hoc column {value.get('label')!r} left out "
                                     "(add it to the dataset as a column first)")
    return names


def _filters(adhoc: list[dict[str, Any]], chart: str, adoption: Adoption) -> list[dict[str, Any]]:
    """Simple WHERE filters become `filters:`; the time range is the dashboard's, custom SQL is reported."""
    kept = []
    for entry in adhoc:
        if entry.get("operator") == "TEMPORAL_RANGE":
            continue
        if entry.get("expressionType") == "SIMPLE" and entry.get("clause") == "WHERE" \
                and entry.get("operator") in OPERATORS:
            kept.append({"column": entry["subject"], "op": entry["operator"], "value": entry.get("comparator")})
        else:
            adoption.warnings.append(f"chart '{chart}': filter {entry.get('sqlExpression') or entry.get('subject')!r}"
                                     " left out (only simple WHERE filters are adopted; add it to `filters:`)")
    return kept


def _chart_spec(body: dict[str, Any], datasets: dict[str, str], extra: dict[str, dict[str, dict[str, Any]]],
                adoption: Adoption) -> dict[str, Any]:
    params = body.get("params") or {}
    dataset = datasets.get(str(body["dataset_uuid"]), "unknown")
    metrics = params.get("metrics") or ([params["metric"]] if params.get("metric") else [])
    spec: dict[str, Any] = {"title": body["slice_name"], "dataset": dataset, "viz_type": body["viz_type"],
                            "metrics": [_metric_name(m, dataset, extra) for m in metrics]}
    if isinstance(params.get("x_axis"), str):
        spec["x_axis"] = params["x_axis"]
    groupby = _columns(params.get("groupby") or [], body["slice_name"], adoption)
    if groupby:
        spec["groupby"] = groupby
    if params.get("row_limit"):
        spec["row_limit"] = int(params["row_limit"])
    filters = _filters(params.get("adhoc_filters") or [], body["slice_name"], adoption)
    if filters:
        spec["filters"] = filters
    spec = _data(spec)
    spec["cache_timeout"] = "[[ cache.chart ]]"
    return spec


def _dataset_spec(body: dict[str, Any], extra_metrics: dict[str, dict[str, Any]]) -> dict[str, Any]:
    columns = [{"name": c["column_name"], "is_dttm": bool(c.get("is_dttm")),
                **({"description": c["description"]} if c.get("description") else {}),
                **({"label": c["verbose_name"]} if c.get("verbose_name") else {})}
               for c in sorted(body.get("columns") or [], key=lambda c: c["column_name"])]
    metrics = [{"name": m["metric_name"], "expression": m["expression"],
                **({"label": m["verbose_name"]} if m.get("verbose_name") else {}),
                **({"format": m["d3format"]} if m.get("d3format") else {})}
               for m in body.get("metrics") or [] if m["metric_name"] not in DEFAULT_METRICS]
    metrics += [m for name, m in sorted(extra_metrics.items()) if name not in {x["name"] for x in metrics}]
    spec = _data({"table": body["table_name"], "schema": None, "description": body.get("description"),
                  "main_dttm_col": body.get("main_dttm_col"), "cache_timeout": None,
                  "columns": columns, "metrics": metrics})
    return spec | {"schema": "[[ schema ]]", "cache_timeout": "[[ cache.dataset ]]"}


def _dashboard_spec(body: dict[str, Any], charts: dict[str, str], datasets: dict[str, str]) -> dict[str, Any]:
    position = body.get("position") or {}
    rows = []
    for row_id in (position.get("GRID_ID") or {}).get("children", []):
        row = position.get(row_id) or {}
        cells = [position[c] for c in row.get("children", []) if (position.get(c) or {}).get("type") == "CHART"]
        rows.append([{"chart": charts.get(str(cell["meta"].get("uuid")), cell["meta"].get("sliceName")),
                      "width": cell["meta"].get("width", 4), "height": cell["meta"].get("height", 50)}
                     for cell in cells])
    filters = []
    for native in (body.get("metadata") or {}).get("native_filter_configuration") or []:
        if native.get("filterType") == "filter_time":
            filters.append({"name": native["name"], "type": "time"})
        elif native.get("filterType") == "filter_select" and native.get("targets"):
            target = native["targets"][0]
            filters.append({"name": native["name"], "column": target["column"]["name"],
                            "dataset": datasets.get(str(target.get("datasetUuid")), "unknown")})
    slug = body.get("slug") or slugify(body["dashboard_title"]).replace("_", "-")
    return {"title": literal(body["dashboard_title"]) + "[[ title_suffix ]]",
            "slug": literal(slug) + "[[ slug_suffix ]]",
            "rows": _data([row for row in rows if row]), "filters": _data(filters)}


def _write(root: Path, kind: str, name: str, spec: dict[str, Any], adoption: Adoption, overwrite: bool) -> None:
    path = root / kind / f"{name}.yaml"
    if not path.resolve().is_relative_to((root / kind).resolve()):
        raise ValueError(f"refusing to write {path}: the name {name!r} leads out of {root / kind}")
    if path.exists() and not overwrite:
        adoption.kept.append(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=120)
    path.write_text("# Adopted from Superset by `hybrid export`; edit freely.\n" + _unquote_templates(text))
    adoption.written.append(path)


def _unquote_templates(text: str) -> str:
    """YAML quotes `[[ cache.chart ]]` (it looks like a list); it must stay bare to render to a number."""
    for marker in NUMBER_MARKERS:
        text = text.replace(f"'{marker}'", marker)
    return text
