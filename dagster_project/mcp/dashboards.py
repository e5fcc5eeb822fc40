"""Superset as tools: the dashboards and what a chart shows, read over the REST API; a new chart is written
as code in superset_assets/ (validated) and goes live only through hybrid_plan and hybrid_apply."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field

from dagster_project.mcp.context import Context, EnvArg, ToolSpec
from dagster_project.mcp.control_plane import stored_plan
from dagster_project.superset import control
from dagster_project.superset.bundle import compile_bundle
from dagster_project.superset.client import SupersetClient, SupersetError
from dagster_project.superset.export import export_dashboard, slugify
from dagster_project.superset.querycontext import VIZ_TYPES
from dagster_project.superset.templates import assets_dir, literal, load_sources

MAX_ROWS = 1000
VizType = Literal[VIZ_TYPES]  # type: ignore[valid-type]  # the short template form's viz types


def _chart_id(client: SupersetClient, chart: str) -> int:
    if chart.isdigit():
        return int(chart)
    rows = client.list("chart", filters=[("slice_name", "eq", chart)])
    if not rows:
        raise LookupError(f"no chart has the id or exact name {chart!r}; fix: take one from superset_list_dashboards")
    return int(rows[0]["id"])


def tools(ctx: Context) -> list[ToolSpec]:
    def superset_list_dashboards(
            title_contains: Annotated[str | None, Field(description="Only dashboards whose title contains this "
                                                                    "(case-insensitive).")] = None,
            env: EnvArg = None) -> dict[str, Any]:
        """The dashboards of an environment's Superset: id, title, slug, URL and their charts (id, name)."""
        environment = ctx.environment(env)
        with control.client(environment) as client:
            filters = [("dashboard_title", "ct", title_contains)] if title_contains else []
            rows = client.list("dashboard", filters=filters, columns=["dashboard_title", "slug", "url"])
            dashboards = [{"id": row["id"], "title": row["dashboard_title"], "slug": row.get("slug"),
                           "url": client.url + str(row.get("url") or f"/superset/dashboard/{row['id']}/"),
                           "charts": [{"id": c["id"], "name": c["slice_name"]}
                                      for c in client.dashboard_charts(row["id"])]}
                          for row in sorted(rows, key=lambda r: r["dashboard_title"])]
        return {"env": environment.name, "dashboards": dashboards}

    def superset_query_chart(
            chart: Annotated[str, Field(description="The chart's id, or its exact name as superset_list_dashboards "
                                                    "lists it.")],
            row_limit: Annotated[int, Field(ge=1, le=MAX_ROWS, description="At most this many rows.")] = 100,
            env: EnvArg = None) -> dict[str, Any]:
        """The rows a chart shows (its saved query, run now, row-level security as the admin sees it)."""
        environment = ctx.environment(env)
        with control.client(environment) as client:
            pk = _chart_id(client, chart)
            try:
                result = client.chart_data(pk, force=False)["result"][0]
            except SupersetError as exc:
                raise SupersetError(f"chart {chart!r}", exc.status, f"{exc.message}; a chart saved without a query "
                                    "context cannot be queried: open it in Explore and save it") from exc
        rows = result.get("data") or []
        return {"env": environment.name, "chart_id": pk, "columns": result.get("colnames") or [],
                "rows": rows[:row_limit], "row_count": len(rows), "truncated": len(rows) > row_limit}

    def superset_create_chart(
            name: Annotated[str, Field(description="File name in superset_assets/charts/ (letters, digits, _).")],
            title: Annotated[str, Field(description="The chart's title in Superset.")],
            dataset: Annotated[str, Field(description="A dataset template's name (superset_assets/datasets/).")],
            viz_type: Annotated[VizType, Field(description="The chart type.")],
            metrics: Annotated[list[str], Field(min_length=1, description="Saved metric names of the dataset.")],
            groupby: Annotated[list[str] | None, Field(description="Columns to group by.")] = None,
            x_axis: Annotated[str | None, Field(description="The x axis column (time series charts).")] = None,
            row_limit: Annotated[int, Field(ge=1, le=50_000)] = 10_000,
            env: EnvArg = None) -> dict[str, Any]:
        """Write a chart as code (superset_assets/charts/<name>.yaml) and validate it; nothing reaches Superset
        until hybrid_plan and hybrid_apply. Refused, with the problems, when it does not validate."""
        environment = ctx.environment(env)
        stem = slugify(name)
        root = assets_dir().resolve()
        path = root / "charts" / f"{stem}.yaml"
        if path.exists():
            raise ValueError(f"chart {stem!r} exists already ({path}); fix: choose another name")
        spec: dict[str, Any] = {"title": literal(title), "dataset": literal(dataset), "viz_type": viz_type,
                                "metrics": [literal(m) for m in metrics], "row_limit": row_limit}
        if groupby:
            spec["groupby"] = [literal(g) for g in groupby]
        if x_axis:
            spec["x_axis"] = literal(x_axis)
        path.write_text("# Written by an agent through the MCP tool superset_create_chart; review it.\n"
                        + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
        problems = _problems(environment.name, root, stem)
        if problems:
            path.unlink()
            raise ValueError(f"chart {stem!r} does not validate, nothing was written: " + "; ".join(problems))
        return {"env": environment.name, "path": str(path), "name": stem,
                "next": "call hybrid_plan, review the + create line, then hybrid_apply with its plan_id"}

    def superset_export_assets(
            dashboard: Annotated[str, Field(description="The dashboard's id, slug or exact title.")],
            overwrite: Annotated[bool, Field(description="Rewrite templates that exist already.")] = False,
            env: EnvArg = None) -> dict[str, Any]:
        """Adopt a dashboard made in the Superset UI as code (as `hybrid export`): templates bound to the live
        objects in superset_assets/, then the plan (with its plan_id) that makes them managed in place."""
        environment = ctx.environment(env)
        with control.client(environment) as client:
            adoption = export_dashboard(client, dashboard, assets_dir().resolve(), environment.name, overwrite)
        return {"env": environment.name, **adoption.to_json(), "plan": stored_plan(environment)}

    return [ToolSpec("superset_list_dashboards", superset_list_dashboards),
            ToolSpec("superset_export_assets", superset_export_assets, writes=True),
            ToolSpec("superset_query_chart", superset_query_chart),
            ToolSpec("superset_create_chart", superset_create_chart, writes=True)]


def _problems(env: str, root: Path, chart: str) -> list[str]:
    """The validation problems of one chart (others' problems are not this tool's business)."""
    bundle = compile_bundle(load_sources(env, root), resolve_uri=False)
    return [str(p) for p in control.check(bundle) if f"charts/{chart}.yaml" in str(p.path)]
