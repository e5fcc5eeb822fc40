"""Links that alerts carry: a Superset dashboard of the environment and a Dagster run."""

from __future__ import annotations

from dagster_project.config.matrix import Environment
from dagster_project.ops.settings import webserver_url
from dagster_project.superset.templates import load_sources


def dashboard_slug(env: Environment, name: str) -> str:
    """The slug `superset_assets/dashboards/<name>.yaml` renders to for `env` (what `hybrid apply` sets)."""
    dashboards = load_sources(env.name).of("dashboards")
    if name not in dashboards or not dashboards[name].spec.get("slug"):
        raise KeyError(f"superset_assets/dashboards/{name}.yaml is missing or has no slug")
    return str(dashboards[name].spec["slug"])


def superset_base_url(env: Environment) -> str:
    """SUPERSET_URL of the environment (through the matrix), else the matrix's default URL."""
    return (env.optional_value("superset", "url") or env.superset.url or "").rstrip("/")


def dashboard_url(env: Environment, slug: str) -> str:
    return f"{superset_base_url(env)}/superset/dashboard/{slug}/"


def run_url(run_id: str) -> str:
    return f"{webserver_url()}/runs/{run_id}"
