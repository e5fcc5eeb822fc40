"""A chart's `params` (form data) and `query_context` from its short spec in `superset_assets/charts/`.

Superset's UI writes `query_context` when a chart is saved; a chart imported without one cannot serve
`/api/v1/chart/{pk}/data/` nor be warmed, so compile builds it here. The datasource id is a placeholder:
the importer rewrites it with the instance's dataset id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

TIMESERIES = ("echarts_timeseries_bar", "echarts_timeseries_line", "echarts_area")
VIZ_TYPES = (*TIMESERIES, "pie", "big_number_total", "table")
NO_FILTER = "No filter"
LIST_OPERATORS = ("IN", "NOT IN")
OPERATORS = ("==", "!=", ">", "<", ">=", "<=", *LIST_OPERATORS)


@dataclass(frozen=True)
class ChartFilter:
    """A fixed WHERE condition of a chart (`filters:` in its spec). It goes into both the form data (what the
    dashboard runs) and the saved query context (what warm-ups and the chart data API run), so the two agree."""

    column: str
    op: str
    value: Any

    def problem(self) -> str | None:
        """Why Superset would reject or misread this filter, or None."""
        if self.op not in OPERATORS:
            return f"filter on '{self.column}' has op '{self.op}'; supported: {', '.join(OPERATORS)}"
        if (self.op in LIST_OPERATORS) != isinstance(self.value, list):
            wanted = "a list of values" if self.op in LIST_OPERATORS else "a single value"
            return f"filter on '{self.column}' ({self.op}) needs {wanted}; got {self.value!r}"
        return None

    def adhoc(self) -> dict[str, Any]:
        return {"clause": "WHERE", "subject": self.column, "operator": self.op, "comparator": self.value,
                "expressionType": "SIMPLE"}

    def query(self) -> dict[str, Any]:
        return {"col": self.column, "op": self.op, "val": self.value}


@dataclass(frozen=True)
class ChartQuery:
    """What a chart asks of its dataset: saved metric names, an x axis, group-by columns, a time column."""

    viz_type: str
    metrics: tuple[str, ...]
    x_axis: str | None = None
    groupby: tuple[str, ...] = ()
    time_column: str | None = None
    row_limit: int = 10000
    filters: tuple[ChartFilter, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    verbatim: bool = False  # the form data came from Superset as is (an adopted chart): any viz type, ad-hoc parts

    def columns(self) -> tuple[str, ...]:
        """Every dataset column the chart reads (what validate checks against the mart)."""
        filtered = (f.column for f in self.filters)
        return tuple(dict.fromkeys(c for c in (self.x_axis, *self.groupby, self.time_column, *filtered) if c))


def query_from_form_data(viz_type: str, form_data: dict[str, Any], time_column: str | None) -> ChartQuery:
    """What an adopted chart reads, from the form data Superset saved: validate checks these names."""
    metrics = form_data.get("metrics") or ([form_data["metric"]] if form_data.get("metric") else [])
    filters = tuple(ChartFilter(str(f["subject"]), str(f["operator"]), f.get("comparator"))
                    for f in form_data.get("adhoc_filters") or []
                    if f.get("expressionType") == "SIMPLE" and f.get("clause") == "WHERE"
                    and f.get("operator") in OPERATORS and isinstance(f.get("subject"), str))
    x_axis = form_data.get("x_axis")
    return ChartQuery(viz_type=viz_type, metrics=tuple(m for m in metrics if isinstance(m, str)),
                      x_axis=x_axis if isinstance(x_axis, str) else None,
                      groupby=tuple(c for c in form_data.get("groupby") or [] if isinstance(c, str)),
                      time_column=time_column, row_limit=int(form_data.get("row_limit") or 10000), filters=filters,
                      verbatim=True)


def chart_params(query: ChartQuery) -> dict[str, Any]:
    params: dict[str, Any] = {
        "viz_type": query.viz_type, "adhoc_filters": [*_time_filter(query), *(f.adhoc() for f in query.filters)],
        "row_limit": query.row_limit,
        "annotation_layers": [], "extra_form_data": {}, "dashboards": [],
    }
    if query.viz_type == "big_number_total":
        params.update(metric=query.metrics[0], header_font_size=0.4, subheader_font_size=0.15,
                      y_axis_format="SMART_NUMBER")
    elif query.viz_type == "pie":
        params.update(metric=query.metrics[0], groupby=list(query.groupby), sort_by_metric=True, donut=True,
                      show_legend=True, show_labels=True, label_type="key_percent", number_format="SMART_NUMBER")
    elif query.viz_type == "table":
        params.update(query_mode="aggregate", groupby=list(query.groupby), metrics=list(query.metrics),
                      all_columns=[], order_desc=True, server_pagination=False, show_cell_bars=True)
    else:
        params.update(x_axis=query.x_axis, metrics=list(query.metrics), groupby=list(query.groupby),
                      time_grain_sqla="P1M" if query.x_axis == query.time_column else None,
                      x_axis_sort_asc=True, order_desc=True, show_legend=True, rich_tooltip=True,
                      truncate_metric=True, comparison_type="values", y_axis_format="SMART_NUMBER")
    params.update(query.options)
    return params


def query_context(query: ChartQuery, params: dict[str, Any]) -> str:
    """The JSON string the chart data API replays."""
    body = {"datasource": {"id": 0, "type": "table"}, "force": False, "queries": [_query(query)],
            "form_data": params, "result_format": "json", "result_type": "full"}
    return json.dumps(body, sort_keys=True)


def _query(query: ChartQuery) -> dict[str, Any]:
    metrics = list(query.metrics)
    time = [{"col": query.time_column, "op": "TEMPORAL_RANGE", "val": NO_FILTER}] if query.time_column else []
    base: dict[str, Any] = {
        "filters": [*time, *(f.query() for f in query.filters)],
        "extras": {"having": "", "where": ""}, "applied_time_extras": {}, "annotation_layers": [],
        "series_limit": 0, "order_desc": True, "url_params": {}, "custom_params": {}, "custom_form_data": {},
        "metrics": metrics, "row_limit": query.row_limit,
    }
    if query.viz_type == "big_number_total":
        return {**base, "columns": [], "metrics": metrics[:1], "orderby": []}
    if query.viz_type in ("pie", "table"):
        used = metrics[:1] if query.viz_type == "pie" else metrics
        return {**base, "columns": list(query.groupby), "metrics": used, "orderby": [[used[0], False]]}
    axis: dict[str, Any] = {"columnType": "BASE_AXIS", "sqlExpression": query.x_axis, "label": query.x_axis,
                            "expressionType": "SQL"}
    if query.x_axis == query.time_column:
        axis["timeGrain"] = "P1M"
    pivot = {"operation": "pivot", "options": {"index": [query.x_axis], "columns": list(query.groupby),
                                               "aggregates": {m: {"operator": "mean"} for m in metrics},
                                               "drop_missing_columns": False}}
    return {**base, "columns": [axis, *query.groupby], "series_columns": list(query.groupby),
            "orderby": [[metrics[0], False]], "post_processing": [pivot, {"operation": "flatten"}]}


def _time_filter(query: ChartQuery) -> list[dict[str, Any]]:
    """The default time-range filter the Explore UI adds; the dashboard's Period filter overrides it."""
    if not query.time_column:
        return []
    return [{"clause": "WHERE", "subject": query.time_column, "operator": "TEMPORAL_RANGE",
             "comparator": NO_FILTER, "expressionType": "SIMPLE"}]
