"""`hybrid compile`: rendered templates -> a deterministic Superset import bundle (a directory and its ZIP).

Determinism is what makes plans and reviews possible: file names come from logical names, UUIDs are
uuid5(environment, kind, logical name) (a Superset import that meets another object's name under a
different UUID silently takes it over), keys are sorted, the ZIP has fixed timestamps. No secret is
written: the database URI carries Superset's password mask and the password travels at import time.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid as uuidlib
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from dagster_project import paths
from dagster_project.config.matrix import runtime_environ
from dagster_project.config.redact import dsn_password, mask_dsn
from dagster_project.superset import adopted
from dagster_project.superset.identity import NAMESPACE, bound_uuid, marker, object_uuid
from dagster_project.superset.querycontext import ChartFilter, ChartQuery, chart_params, query_context
from dagster_project.superset.templates import AssetError, AssetSources, Source

if TYPE_CHECKING:
    from dagster_project.superset.security import Security

VERSION = "1.0.0"
TIMESTAMP = "2000-01-01T00:00:00+00:00"  # fixed: the bundle's bytes depend on the code only
MASK = "XXXXXXXXXX"  # Superset's own password mask
CERTIFIED_BY = "hybrid control plane"
# A dataset refresh adds this metric when it is missing: shipping it keeps refreshes from rewriting datasets.
COUNT_METRIC = {"name": "count", "expression": "COUNT(*)", "label": "COUNT(*)", "type": "count"}
KIND_DIRS = {"database": "databases", "dataset": "datasets", "chart": "charts", "dashboard": "dashboards"}


@dataclass(frozen=True)
class BundleObject:
    kind: str  # database, dataset, chart, dashboard
    name: str  # logical name: the template's file stem
    title: str  # what Superset shows
    uuid: str
    body: dict[str, Any]
    source: Path | None = None

    @property
    def path(self) -> str:
        folder = KIND_DIRS[self.kind]
        if self.kind == "dataset":
            folder += "/" + self.body["_database"]
        return f"{folder}/{self.name}.yaml"

    def content(self) -> dict[str, Any]:
        return {key: value for key, value in self.body.items() if not key.startswith("_")}


@dataclass(frozen=True)
class Bundle:
    env: str
    objects: tuple[BundleObject, ...]
    password: str | None  # the database password, kept in memory for the import only
    security: Security | None = None  # roles and RLS filters; None in a partial bundle (closure)

    @property
    def root(self) -> str:
        return f"hybrid_{self.env}"

    def by_uuid(self) -> dict[str, BundleObject]:
        return {obj.uuid: obj for obj in self.objects}

    def of(self, kind: str) -> list[BundleObject]:
        return [obj for obj in self.objects if obj.kind == kind]

    def files(self) -> dict[str, str]:
        meta = {"version": VERSION, "type": "assets", "timestamp": TIMESTAMP}
        files = {"metadata.yaml": _dump(meta)}
        files.update((obj.path, _dump(obj.content())) for obj in self.objects)
        return dict(sorted(files.items()))

    def zip_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in self.files().items():
                info = zipfile.ZipInfo(f"{self.root}/{name}", date_time=(2000, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                archive.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED)
        return buffer.getvalue()

    def digest(self) -> str:
        security = self.security.to_json() if self.security else None
        return hashlib.sha256(json.dumps([self.files(), security], sort_keys=True).encode()).hexdigest()

    def closure(self, wanted: set[tuple[str, str]]) -> Bundle:
        """The (kind, name) objects and everything they need (a dashboard ships all its charts: Superset 6.1
        drops charts a dashboard references but a bundle lacks), plus the database. Without the security
        state: its filters span every dataset, so only a whole bundle applies it."""
        wanted = set(wanted)
        wanted |= {("chart", chart) for obj in self.objects if (obj.kind, obj.name) in wanted
                   and obj.kind == "dashboard" for chart in obj.body["_charts"]}
        wanted |= {("dataset", obj.body["_dataset"]) for obj in self.objects
                   if obj.kind == "chart" and (obj.kind, obj.name) in wanted}
        kept = tuple(obj for obj in self.objects if obj.kind == "database" or (obj.kind, obj.name) in wanted)
        return Bundle(self.env, kept, self.password)

    def passwords(self) -> dict[str, str]:
        return {obj.path: self.password for obj in self.of("database") if self.password}

    def write(self, out_dir: Path) -> Path:
        """Write `<out_dir>/<root>/...`, `<out_dir>/<root>.zip` and, for review, the roles and RLS filters
        in `<out_dir>/<root>.security.yaml` (not imported: they are applied through the API); stale files of
        an earlier compile go."""
        folder = out_dir / self.root
        wanted = self.files()
        if folder.exists():
            for old in folder.rglob("*.yaml"):
                if old.relative_to(folder).as_posix() not in wanted:
                    old.unlink()
        for name, text in wanted.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        archive = out_dir / f"{self.root}.zip"
        archive.write_bytes(self.zip_bytes())
        security = out_dir / f"{self.root}.security.yaml"
        if self.security:
            security.write_text(_dump(self.security.to_json()))
        else:
            security.unlink(missing_ok=True)
        return archive


def default_out_dir() -> Path:
    return paths.state_dir() / "superset" / "bundles"


def compile_bundle(sources: AssetSources, *, resolve_uri: bool = True,
                   environ: Mapping[str, str] | None = None) -> Bundle:
    """Build every object and the security state; `resolve_uri=False` (validate) needs no environment variable."""
    from dagster_project.superset.security import load_security  # security.py builds on this module

    env, values = sources.namespace, sources.values
    uri, password = database_uri(sources, environ) if resolve_uri else (_placeholder_uri(sources), None)
    database = _database(sources, uri)
    datasets = {name: _dataset(env, values, src, database) for name, src in sources.of("datasets").items()}
    charts = {name: _chart(env, values, src, datasets) for name, src in sources.of("charts").items()}
    dashboards = [_dashboard(env, values, src, charts, datasets) for src in sources.of("dashboards").values()]
    return Bundle(env, (database, *datasets.values(), *charts.values(), *dashboards), password,
                  load_security(sources, datasets))


def database_uri(sources: AssetSources, environ: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """The masked URI for the bundle and the password for the import, from the values' `database.uri_env`
    (for local, `hybrid stack up` writes the stack's read-only URI there, in `.env.local`)."""
    environ = runtime_environ() if environ is None else environ
    block = sources.values.get("database") or {}
    variable = block.get("uri_env")
    uri = environ.get(variable) if variable else None
    if not uri:
        where = sources.root / "environments" / f"{sources.env}.yaml"
        raise AssetError(where, None, f"database.uri_env names {variable!r}, which is not set; fix: export "
                                      f"{variable}=postgresql+psycopg2://superset_reader:<password>@host:5432/postgres"
                                      + (" (locally: `hybrid stack up` writes it)" if sources.env == "local" else ""))
    return mask_dsn(uri, MASK), dsn_password(uri)  # Superset takes the password itself, not its URL encoding


def _placeholder_uri(sources: AssetSources) -> str:
    variable = (sources.values.get("database") or {}).get("uri_env", "unset")
    return f"postgresql+psycopg2://superset_reader:{MASK}@{variable}/postgres"


def _database(sources: AssetSources, uri: str) -> BundleObject:
    block = sources.values.get("database") or {}
    name = block.get("name") or "warehouse"
    # Not offered in SQL Lab: this connection reads every company (Superset's RLS filters guard the dashboards);
    # SQL Lab users get a connection of their company's Postgres role, which the marts' own RLS restricts.
    body = {"database_name": name, "sqlalchemy_uri": uri, "expose_in_sqllab": False, "allow_dml": False,
            "allow_ctas": False, "allow_cvas": False, "allow_run_async": False,
            "extra": {"allows_virtual_table_explore": True, "metadata_params": {}, "engine_params": {},
                      "schemas_allowed_for_file_upload": []},
            "uuid": object_uuid(sources.namespace, "database", name), "version": VERSION, "_database": name}
    return BundleObject("database", name, name, body["uuid"], body)


def _dataset(env: str, values: dict[str, Any], src: Source, database: BundleObject) -> BundleObject:
    spec = src.spec
    columns = [{"column_name": c["name"], "is_dttm": bool(c.get("is_dttm", False)),
                "verbose_name": c.get("label"), "description": c.get("description"),
                **({"expression": c["expression"]} if c.get("expression") else {})}
               for c in sorted(spec.get("columns") or [], key=lambda c: c["name"])]
    listed = [*(spec.get("metrics") or []), *([] if any(m.get("name") == "count" for m in spec.get("metrics") or [])
                                              else [COUNT_METRIC])]
    metrics = [{"metric_name": m["name"], "expression": m["expression"], "verbose_name": m.get("label"),
                "d3format": m.get("format"), "description": m.get("description"), "metric_type": m.get("type")}
               for m in sorted(listed, key=lambda m: m["name"])]
    body = {
        "table_name": spec.get("table", src.name), "schema": spec.get("schema", values.get("schema")),
        "description": spec.get("description"), "main_dttm_col": spec.get("main_dttm_col"),
        "cache_timeout": spec.get("cache_timeout"), "sql": None, "filter_select_enabled": True,
        "extra": {"certification": {"certified_by": CERTIFIED_BY, "details": marker(env)}},
        "columns": columns, "metrics": metrics, "uuid": bound_uuid(env, "dataset", src.name, spec),
        "database_uuid": database.uuid, "version": VERSION, "is_managed_externally": True,
        "external_url": _external_url(values, src), "_database": database.name,
    }
    return BundleObject("dataset", src.name, body["table_name"], body["uuid"], body, src.path)


def chart_query(spec: dict[str, Any], dataset: BundleObject | None, path: Path) -> ChartQuery:
    time_column = dataset.body.get("main_dttm_col") if dataset else None
    return ChartQuery(viz_type=spec.get("viz_type", ""), metrics=tuple(spec.get("metrics") or ()),
                      x_axis=spec.get("x_axis"), groupby=tuple(spec.get("groupby") or ()), time_column=time_column,
                      row_limit=int(spec.get("row_limit", 10000)), filters=_chart_filters(spec, path),
                      options=dict(spec.get("options") or {}))


def _chart_filters(spec: dict[str, Any], path: Path) -> tuple[ChartFilter, ...]:
    entries = spec.get("filters") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("column") for e in entries):
        raise AssetError(path, None, "filters must be a list of {column: ..., op: ..., value: ...}; "
                         "e.g. {column: match_status, op: IN, value: [amount_mismatch]}")
    return tuple(ChartFilter(str(e["column"]), str(e.get("op", "==")).upper(), e.get("value")) for e in entries)


def _chart(env: str, values: dict[str, Any], src: Source, datasets: dict[str, BundleObject]) -> BundleObject:
    spec = src.spec
    dataset = datasets.get(spec.get("dataset", ""))
    if "form_data" in spec:  # adopted: Superset's own form data, as the user saved it
        params, context, query = adopted.chart_parts(spec, dataset.body.get("main_dttm_col") if dataset else None)
    else:
        query = chart_query(spec, dataset, src.path)
        params = chart_params(query)
        context = query_context(query, params)
    body = {
        "slice_name": spec.get("title", src.name), "description": spec.get("description"),
        "viz_type": query.viz_type, "params": params, "query_context": context,
        "cache_timeout": spec.get("cache_timeout"), "certified_by": CERTIFIED_BY,
        "certification_details": marker(env), "uuid": bound_uuid(env, "chart", src.name, spec),
        "dataset_uuid": dataset.uuid if dataset else object_uuid(env, "dataset", str(spec.get("dataset"))),
        "version": VERSION, "is_managed_externally": True, "external_url": _external_url(values, src),
        "_dataset": spec.get("dataset"), "_query": query,
    }
    return BundleObject("chart", src.name, body["slice_name"], body["uuid"], body, src.path)


def _dashboard(env: str, values: dict[str, Any], src: Source, charts: dict[str, BundleObject],
               datasets: dict[str, BundleObject]) -> BundleObject:
    spec = src.spec
    title = spec.get("title", src.name)
    if "layout" in spec:  # adopted: Superset's own layout and metadata
        position = adopted.position(spec["layout"], charts)
        metadata = adopted.metadata(spec.get("metadata") or {}, datasets)
        placed = adopted.layout_charts(spec["layout"])
    else:
        position = _position(title, spec.get("rows") or [], charts)
        metadata = {
            "native_filter_configuration": [_native_filter(src.name, f, datasets) for f in spec.get("filters") or []],
            "refresh_frequency": int(spec.get("refresh_frequency") or 0), "color_scheme": spec.get("color_scheme", ""),
            "cross_filters_enabled": True, "expanded_slices": {}, "label_colors": {},
            "timed_refresh_immune_slices": [],
        }
        placed = [cell.get("chart") for row in spec.get("rows") or [] for cell in row]
    body = {
        "dashboard_title": title, "description": spec.get("description"), "slug": spec.get("slug"),
        "css": spec.get("css", ""), "published": bool(spec.get("published", True)), "certified_by": CERTIFIED_BY,
        "certification_details": marker(env), "position": position, "metadata": metadata,
        "uuid": bound_uuid(env, "dashboard", src.name, spec), "version": VERSION, "is_managed_externally": True,
        "external_url": _external_url(values, src), "_charts": placed,
    }
    return BundleObject("dashboard", src.name, title, body["uuid"], body, src.path)


def _position(title: str, rows: list[list[dict[str, Any]]], charts: dict[str, BundleObject]) -> dict[str, Any]:
    """Superset's v2 layout: ROOT > GRID > ROW-n > CHART-<name>, with stable node ids."""
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": title}},
    }
    for index, row in enumerate(rows, start=1):
        row_id = f"ROW-{index}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {"type": "ROW", "id": row_id, "children": [], "parents": ["ROOT_ID", "GRID_ID"],
                            "meta": {"background": "BACKGROUND_TRANSPARENT"}}
        for cell in row:
            name = str(cell.get("chart"))
            chart = charts.get(name)
            node_id = f"CHART-{name}"
            position[row_id]["children"].append(node_id)
            position[node_id] = {
                "type": "CHART", "id": node_id, "children": [], "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {"width": int(cell.get("width", 4)), "height": int(cell.get("height", 50)),
                         "chartId": len(position), "uuid": chart.uuid if chart else None,
                         "sliceName": chart.title if chart else name},
            }
    return position


def _native_filter(dashboard: str, spec: dict[str, Any], datasets: dict[str, BundleObject]) -> dict[str, Any]:
    name = str(spec.get("name"))
    filter_id = "NATIVE_FILTER-" + uuidlib.uuid5(NAMESPACE, f"{dashboard}/{name}").hex[:10]
    common = {"id": filter_id, "name": name, "type": "NATIVE_FILTER", "description": "", "cascadeParentIds": [],
              "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
              "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}}}
    if spec.get("type") == "time":
        return {**common, "filterType": "filter_time", "targets": [{}], "controlValues": {}}
    dataset = datasets.get(str(spec.get("dataset")))
    return {**common, "filterType": "filter_select",
            "targets": [{"column": {"name": spec.get("column")}, "datasetUuid": dataset.uuid if dataset else None}],
            "controlValues": {"enableEmptyFilter": False, "defaultToFirstItem": False, "multiSelect": True,
                              "searchAllOptions": False, "inverseSelection": False}}


def _external_url(values: dict[str, Any], src: Source) -> str | None:
    base = values.get("external_url")
    return f"{base.rstrip('/')}/{src.kind}/{src.name}.yaml" if base else None


def _dump(document: Any) -> str:
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=120)
