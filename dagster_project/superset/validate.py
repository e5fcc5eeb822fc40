"""`hybrid validate`: everything that can be checked without a Superset, because Superset's asset import
answers every mistake with a bare `500 Import failed for an unknown reason`.

Checks: the import schema's required fields, references inside the bundle (dashboard -> chart -> dataset ->
database), datasets against the dbt manifest (the mart exists; the columns the dataset lists, the charts
use and the metric expressions read exist in it), and row-level security: every dataset's mart has the
company column, or the dataset is exempted with a reason. Each problem names the file (and line if known).
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from dagster_project.dbt.manifest import DBT_PROJECT_DIR, ManifestMissing, ensure_manifest
from dagster_project.superset.bundle import Bundle, BundleObject
from dagster_project.superset.querycontext import VIZ_TYPES
from dagster_project.superset.security import SECURITY_FILE, Security
from dagster_project.superset.templates import line_of

REQUIRED = {
    "database": ("database_name", "sqlalchemy_uri", "uuid", "version", "extra"),  # 6.1's importer reads `extra`
    "dataset": ("table_name", "uuid", "version", "database_uuid"),
    "chart": ("slice_name", "viz_type", "uuid", "version", "dataset_uuid", "query_context"),
    "dashboard": ("dashboard_title", "uuid", "version"),
}
SQL_WORDS = {"and", "or", "not", "null", "is", "in", "as", "case", "when", "then", "else", "end", "distinct",
             "true", "false", "filter", "where", "between", "like", "ilike", "over", "partition", "by", "order",
             "asc", "desc", "nulls", "first", "last", "interval", "numeric", "integer", "float", "date", "text"}
_IDENTIFIER = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()")
_STRING = re.compile(r"'(?:[^']|'')*'")


@dataclass(frozen=True)
class Problem:
    path: Path | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}{f':{self.line}' if self.line else ''}: " if self.path else ""
        return where + self.message


class ValidationFailed(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems))


def manifest_path(manifest: Path | None = None) -> Path:
    """The manifest given (or HYBRID_DBT_MANIFEST), else this project's, parsed first when the clone has none yet."""
    path = manifest or (Path(os.environ["HYBRID_DBT_MANIFEST"]) if os.environ.get("HYBRID_DBT_MANIFEST") else None)
    if path is None:
        try:
            path = ensure_manifest(progress=lambda message: print(message, file=sys.stderr))
        except ManifestMissing as exc:
            raise ValidationFailed([Problem(DBT_PROJECT_DIR / "target" / "manifest.json", None, str(exc))]) from exc
    if not path.exists():
        raise ValidationFailed([Problem(path, None, "dbt manifest not found; fix: name an existing manifest.json, "
                                                    "or leave --manifest out to use (and build) the project's")])
    return path


def model_nodes(manifest: Path | None = None) -> list[dict]:
    return [n for n in json.loads(manifest_path(manifest).read_text())["nodes"].values()
            if n["resource_type"] == "model"]


def load_marts(manifest: Path | None = None) -> dict[str, set[str]]:
    """`schema.table` -> column names, for every dbt model in the manifest (`manifest_path`)."""
    return {f"{n['schema']}.{n.get('alias') or n['name']}": set(n.get("columns") or {}) for n in model_nodes(manifest)}


def validate(bundle: Bundle, marts: dict[str, set[str]]) -> list[Problem]:
    problems: list[Problem] = []
    for obj in bundle.objects:
        problems += _required(obj)
    datasets = {obj.name: obj for obj in bundle.of("dataset")}
    charts = {obj.name: obj for obj in bundle.of("chart")}
    for dataset in datasets.values():
        problems += _dataset(dataset, marts)
    for chart in charts.values():
        problems += _chart(chart, datasets, marts)
    for dashboard in bundle.of("dashboard"):
        problems += _dashboard(dashboard, charts, datasets)
    if bundle.security:
        problems += _security(bundle.security, datasets, marts)
    return problems


def _required(obj: BundleObject) -> list[Problem]:
    """An adopted chart may lack a query context (one made through the API never had one): the dashboard
    builds its query from the form data; only warm-ups and the chart data API need it (apply says so)."""
    adopted = obj.kind == "chart" and obj.body["_query"].verbatim
    missing = [key for key in REQUIRED[obj.kind] if obj.body.get(key) in (None, "")
               and not (adopted and key == "query_context")]
    return [Problem(obj.source, None, f"{obj.kind} '{obj.name}' lacks required field '{key}'") for key in missing]


def _mart(dataset: BundleObject) -> str:
    return f"{dataset.body.get('schema')}.{dataset.body.get('table_name')}"


def _dataset(dataset: BundleObject, marts: dict[str, set[str]]) -> list[Problem]:
    mart = _mart(dataset)
    if mart not in marts:
        return [Problem(dataset.source, line_of(dataset.source, "table:"),
                        f"dataset '{dataset.name}' reads {mart}, which is no model in the dbt manifest")]
    have = marts[mart]
    problems = [Problem(dataset.source, line_of(dataset.source, c["column_name"]),
                        f"dataset '{dataset.name}' lists column '{c['column_name']}' which mart {mart} lacks")
                for c in dataset.body["columns"] if c["column_name"] not in have]
    for metric in dataset.body["metrics"]:
        for column in sorted(expression_columns(metric["expression"]) - have):
            problems.append(Problem(dataset.source, line_of(dataset.source, metric["metric_name"]),
                                    f"metric '{metric['metric_name']}' of dataset '{dataset.name}' uses column "
                                    f"'{column}' which mart {mart} lacks"))
    main = dataset.body.get("main_dttm_col")
    if main and main not in have:
        problems.append(Problem(dataset.source, line_of(dataset.source, "main_dttm_col"),
                                f"dataset '{dataset.name}' main_dttm_col '{main}' is no column of mart {mart}"))
    return problems


def expression_columns(expression: str) -> set[str]:
    """Identifiers a SQL metric expression reads: words that are neither functions nor SQL keywords."""
    bare = _STRING.sub("''", expression)
    return {word for word in _IDENTIFIER.findall(bare) if word.lower() not in SQL_WORDS}


def _chart(chart: BundleObject, datasets: dict[str, BundleObject], marts: dict[str, set[str]]) -> list[Problem]:
    title, source = chart.title, chart.source
    name = chart.body.get("_dataset")
    dataset = datasets.get(str(name))
    if dataset is None:
        return [Problem(source, line_of(source, "dataset:"),
                        f"chart '{title}' reads dataset '{name}', which has no template in datasets/")]
    problems = []
    query = chart.body["_query"]
    if query.viz_type not in VIZ_TYPES and not query.verbatim:  # adopted form data serves any viz type
        problems.append(Problem(source, line_of(source, "viz_type"), f"chart '{title}' has viz_type "
                                f"'{query.viz_type}'; supported: {', '.join(VIZ_TYPES)}"))
    if not query.metrics and not query.verbatim:
        problems.append(Problem(source, None, f"chart '{title}' names no metrics"))
    for problem in filter(None, (f.problem() for f in query.filters)):
        problems.append(Problem(source, line_of(source, "filters:"), f"chart '{title}': {problem}"))
    if query.viz_type in ("echarts_timeseries_bar", "echarts_timeseries_line", "echarts_area") and not query.x_axis:
        problems.append(Problem(source, None, f"chart '{title}' ({query.viz_type}) needs an x_axis column"))
    mart = _mart(dataset)
    mart_columns = marts.get(mart, set())
    listed = {c["column_name"] for c in dataset.body["columns"]}
    for column in query.columns():
        if mart in marts and column not in mart_columns:
            problems.append(Problem(source, line_of(source, column),
                                    f"chart '{title}' uses column '{column}' which mart {mart} lacks"))
        elif column not in listed:
            problems.append(Problem(source, line_of(source, column), f"chart '{title}' uses column '{column}' "
                                    f"which dataset '{dataset.name}' does not list"))
    metrics = {m["metric_name"] for m in dataset.body["metrics"]}
    for metric in query.metrics:
        if metric not in metrics:
            problems.append(Problem(source, line_of(source, metric), f"chart '{title}' uses metric '{metric}' which "
                                    f"dataset '{dataset.name}' does not define (known: {', '.join(sorted(metrics))})"))
    return problems


def _dashboard(dashboard: BundleObject, charts: dict[str, BundleObject],
               datasets: dict[str, BundleObject]) -> list[Problem]:
    title, source = dashboard.title, dashboard.source
    problems = [Problem(source, line_of(source, str(name)), f"dashboard '{title}' places chart '{name}', which has "
                        "no template in charts/") for name in dashboard.body["_charts"] if name not in charts]
    for native in dashboard.body["metadata"].get("native_filter_configuration") or []:
        for target in native.get("targets") or []:
            if "datasetUuid" not in target:
                continue
            dataset = next((d for d in datasets.values() if d.uuid == target["datasetUuid"]), None)
            column = target["column"]["name"]
            if dataset is None:
                problems.append(Problem(source, line_of(source, native["name"]), f"dashboard '{title}' filter "
                                        f"'{native['name']}' targets a dataset that has no template in datasets/"))
            elif column not in {c["column_name"] for c in dataset.body["columns"]}:
                problems.append(Problem(source, line_of(source, native["name"]), f"dashboard '{title}' filter "
                                        f"'{native['name']}' uses column '{column}' which dataset "
                                        f"'{dataset.name}' lacks"))
    return problems


def _security(security: Security, datasets: dict[str, BundleObject], marts: dict[str, set[str]]) -> list[Problem]:
    """Row-level security filters on the company column: a dataset without it would leak every company's rows
    to every company role, so it is an error unless exempted on purpose."""
    problems = []
    for name, dataset in sorted(datasets.items()):
        mart = _mart(dataset)
        if name not in security.exempt and mart in marts and security.column not in marts[mart]:
            problems.append(Problem(dataset.source, line_of(dataset.source, "table:"), (
                f"dataset '{name}' reads {mart}, which has no column '{security.column}': row-level security "
                f"cannot keep companies apart there; fix: add {security.column} to the mart, or exempt the "
                f"dataset with a reason under `exempt:` in {SECURITY_FILE}")))
    for name, reason in sorted(security.exempt.items()):
        if name not in datasets:
            problems.append(Problem(security.path, line_of(security.path, name), f"exempt names dataset '{name}', "
                                    "which has no template in datasets/"))
        elif not reason:
            problems.append(Problem(security.path, line_of(security.path, name), f"exempt dataset '{name}' needs a "
                                    "reason (why every company may read all of its rows)"))
    return problems
