"""`hybrid export`: adopt a dashboard made in the Superset UI as code, the way `terraform import` adopts a
resource: the templates it writes are bound to the live objects (their UUIDs, under `uuids:`) and hold what
the user made as Superset has it (the chart's form data, the dashboard's layout and metadata, every dataset
column and metric), so compile gives back the same objects. The plan right after an export shows only
`> adopt` lines whose sole changes are the ownership fields (the edit lock, the marker, the link); `hybrid
apply` then makes the objects managed in place: no new row, nothing orphaned, nothing to delete by hand.

The dashboard's charts and their datasets are adopted with it; objects already in code are reused, and
an object the control plane cannot own (another namespace's, a virtual dataset) is named with the reason.

Everything read from Superset is data: each string is written through `literal()` (it renders to itself,
whatever template syntax it holds) and file names are slugs proven to stay under their folder.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from slugify import slugify as _slugify

from dagster_project.superset.bundle import compile_bundle
from dagster_project.superset.client import SupersetClient, SupersetError
from dagster_project.superset.identity import BINDINGS
from dagster_project.superset.live import managed_env
from dagster_project.superset.normalize import PARAMS_DROP, normalize, read_export
from dagster_project.superset.templates import AssetSources, literal, load_sources

HEADER = "# Adopted from Superset by `hybrid export`: Superset's own fields, bound to the live object; edit freely.\n"


@dataclass
class Adoption:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    adopted: list[dict[str, str]] = field(default_factory=list)  # {kind, name, uuid}: bound to a live object
    skipped: list[dict[str, str]] = field(default_factory=list)  # {kind, title, reason}: left in the UI
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"written": [str(p) for p in self.written], "kept": [str(p) for p in self.kept],
                "adopted": self.adopted, "skipped": self.skipped, "warnings": self.warnings}


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


class _Adopter:
    """One export's objects against the code in `root`: which are already code, which become code."""

    def __init__(self, sources: AssetSources, overwrite: bool):
        self.sources, self.overwrite = sources, overwrite
        self.namespace = sources.namespace
        self.in_code = {obj.uuid: obj for obj in compile_bundle(sources, resolve_uri=False).objects}
        self.taken = {(src.kind, src.name) for src in sources.sources}
        self.result = Adoption()

    def refusal(self, kind: str, body: dict[str, Any]) -> str | None:
        """Why this object cannot become code of this namespace, or None."""
        owner = managed_env(kind, body)
        if owner not in (None, self.namespace):
            return f"managed by namespace '{owner}': adopt it there, or remove its marker first"
        if kind == "dataset" and body.get("sql"):
            return "a virtual dataset (SQL in Superset): make its query a dbt model, then adopt a dataset on it"
        return None

    def bind(self, kind: str, uuid: str, title: str, body: dict[str, Any]) -> str | None:
        """The logical name this object has or gets in code; None when it cannot be adopted."""
        if uuid in self.in_code and not self.overwrite:
            return self.in_code[uuid].name
        reason = self.refusal(kind, body)
        if reason:
            self.result.skipped.append({"kind": kind, "title": title, "reason": reason})
            return None
        if uuid in self.in_code:
            return self.in_code[uuid].name
        name = base = slugify(title)
        folder = f"{kind}s"
        counter = 2
        while (folder, name) in self.taken:
            name, counter = f"{base}_{counter}", counter + 1
        self.taken.add((folder, name))
        return name

    def write(self, kind: str, name: str, uuid: str, spec: dict[str, Any]) -> None:
        root = self.sources.root
        path = root / f"{kind}s" / f"{name}.yaml"
        if not path.resolve().is_relative_to((root / f"{kind}s").resolve()):
            raise ValueError(f"refusing to write {path}: the name {name!r} leads out of {root / (kind + 's')}")
        if uuid in self.in_code and not self.overwrite:
            self.result.kept.append(path)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {BINDINGS: {self.namespace: uuid}, **spec}
        path.write_text(HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120))
        self.result.written.append(path)
        self.result.adopted.append({"kind": kind, "name": name, "uuid": uuid})

    def suffixed(self, text: str, suffix_key: str) -> str:
        """`text` as template code: the environment's suffix stays a variable when the live text carries it."""
        suffix = str(self.sources.values.get(suffix_key) or "")
        if text.endswith(suffix):
            return literal(text[:len(text) - len(suffix)] if suffix else text) + f"[[ {suffix_key} ]]"
        return literal(text)


def adopt(objects: dict[str, tuple[str, dict[str, Any]]], root: Path, env: str, overwrite: bool = False) -> Adoption:
    """Write templates for the objects of one dashboard export ({uuid: (kind, body)}, as read_export reads it)."""
    adopter = _Adopter(load_sources(env, root), overwrite)
    datasets: dict[str, str] = {}
    for uuid, (kind, body) in objects.items():
        if kind == "dataset":
            name = adopter.bind("dataset", uuid, body["table_name"], body)
            if name:
                datasets[uuid] = name
                adopter.write("dataset", name, uuid, _dataset_spec(body, adopter))
    charts: dict[str, str] = {}
    for uuid, (kind, body) in objects.items():
        if kind != "chart":
            continue
        dataset = datasets.get(str(body.get("dataset_uuid")))
        if dataset is None:
            adopter.result.skipped.append({"kind": "chart", "title": body["slice_name"],
                                           "reason": "its dataset cannot be adopted (see above)"})
            continue
        name = adopter.bind("chart", uuid, body["slice_name"], body)
        if name:
            charts[uuid] = name
            adopter.write("chart", name, uuid, _chart_spec(body, dataset))
    for uuid, (kind, body) in objects.items():
        if kind == "dashboard":
            name = adopter.bind("dashboard", uuid, body.get("slug") or body["dashboard_title"], body)
            if name:
                adopter.write("dashboard", name, uuid, _dashboard_spec(body, charts, datasets, adopter))
    return adopter.result


def _dataset_spec(body: dict[str, Any], adopter: _Adopter) -> dict[str, Any]:
    """Every column and metric as Superset has them (the count metric Superset adds included)."""
    columns = [{"name": c["column_name"], "is_dttm": bool(c.get("is_dttm")),
                **({"label": c["verbose_name"]} if c.get("verbose_name") else {}),
                **({"description": c["description"]} if c.get("description") else {}),
                **({"expression": c["expression"]} if c.get("expression") else {})}
               for c in sorted(body.get("columns") or [], key=lambda c: c["column_name"])]
    metrics = [{"name": m["metric_name"], "expression": m["expression"],
                **({"label": m["verbose_name"]} if m.get("verbose_name") else {}),
                **({"format": m["d3format"]} if m.get("d3format") else {}),
                **({"description": m["description"]} if m.get("description") else {}),
                **({"type": m["metric_type"]} if m.get("metric_type") else {})}
               for m in sorted(body.get("metrics") or [], key=lambda m: m["metric_name"])]
    schema = body.get("schema")
    spec = _data({"table": body["table_name"], "description": body.get("description"),
                  "main_dttm_col": body.get("main_dttm_col"), "cache_timeout": body.get("cache_timeout"),
                  "columns": columns, "metrics": metrics})
    return {"table": spec.pop("table"),
            "schema": "[[ schema ]]" if schema == adopter.sources.values.get("schema") else _data(schema), **spec}


def _chart_spec(body: dict[str, Any], dataset: str) -> dict[str, Any]:
    params = body.get("params") or {}
    params = json.loads(params) if isinstance(params, str) else params
    context = body.get("query_context")
    context = json.loads(context) if isinstance(context, str) and context else context
    if isinstance(context, dict):
        context = {**context, "datasource": {"id": 0, "type": "table"}}  # the importer sets the real one
        context.pop("form_data", None)  # the importer writes the chart's params there
    return _data({"title": body["slice_name"], "dataset": dataset, "viz_type": body["viz_type"],
                  "description": body.get("description"), "cache_timeout": body.get("cache_timeout"),
                  "form_data": {k: v for k, v in params.items() if k not in PARAMS_DROP},
                  "query_context": context or None})


def _dashboard_spec(body: dict[str, Any], charts: dict[str, str], datasets: dict[str, str],
                    adopter: _Adopter) -> dict[str, Any]:
    normalized = normalize("dashboard", copy.deepcopy(body))
    layout = normalized.get("position") or {}
    for node_id, node in list(layout.items()):
        meta = node.get("meta") if isinstance(node, dict) and node.get("type") == "CHART" else None
        if meta is None:
            continue
        chart = charts.get(str(meta.pop("uuid", None)))
        if chart is None:
            adopter.result.warnings.append(f"dashboard '{body['dashboard_title']}': layout cell {node_id} shows a "
                                           "chart that was not adopted; it is left out")
            layout.pop(node_id)
            for other in layout.values():
                if isinstance(other, dict) and node_id in (other.get("children") or []):
                    other["children"].remove(node_id)
            continue
        meta["chart"] = chart
    metadata = normalized.get("metadata") or {}
    for native in metadata.get("native_filter_configuration") or []:
        for target in native.get("targets") or []:
            if "datasetUuid" in target:
                target["dataset"] = datasets.get(str(target.pop("datasetUuid")), "unknown")
    spec = _data({"description": body.get("description"), "css": body.get("css"),
                  "published": bool(body.get("published")), "layout": layout, "metadata": metadata})
    return {"title": adopter.suffixed(body["dashboard_title"], "title_suffix"),
            "slug": adopter.suffixed(body["slug"], "slug_suffix") if body.get("slug") else None, **spec}
