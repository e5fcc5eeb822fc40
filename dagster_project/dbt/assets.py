"""The dbt models as Dagster assets: staging (`analytics/...`) and marts (`warehouse/...`) downstream of the
replicated `odoo/<table>` assets, dbt tests as asset checks."""

import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, AutomationCondition, Config
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from pydantic import Field

from dagster_project.config.matrix import Environment
from dagster_project.dbt.env import dbt_environment
from dagster_project.dbt.manifest import dbt_executable
from dagster_project.dbt.project import finance_dbt_project, manifest_path
from dagster_project.dbt.ties import with_failing_rows
from dagster_project.deploy.pools import DBT_POOL

ASSETS_NAME = "finance_dbt_models"
PARTIAL_PARSE = "partial_parse.msgpack"


class DbtBuildConfig(Config):
    """Run configuration of a dbt build from the launchpad, a schedule or `dagster asset materialize`."""

    full_refresh: bool = Field(default=False, description="Rebuild incremental models from scratch (--full-refresh).")


class FinanceDbtTranslator(DagsterDbtTranslator):
    """Models are keyed and grouped by their schema (the layer); sources keep their meta asset_key (odoo/...)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        return dbt_resource_props["schema"]

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]) -> AutomationCondition | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        return AutomationCondition.eager()


def dbt_resource(env: Environment, project: DbtProject = finance_dbt_project) -> DbtCliResource:
    return DbtCliResource(project_dir=project, target=env.name, dbt_executable=dbt_executable())


@contextmanager
def warm_parse(project: DbtProject, env_name: str) -> Iterator[Path]:
    """A fresh target path holding this environment's last partial parse, saved back after the run.

    dbt keys partial parsing on the connection settings, so the install-time parse (made without them) is
    never reused at run time; without this cache every run would parse the whole project again (5-10 s).
    """
    base = Path(os.environ.get("DBT_TARGET_PATH") or project.project_dir / project.target_path)
    run_path = base / f"run-{uuid.uuid4().hex[:12]}"
    cache = base / "partial-parse" / env_name / PARTIAL_PARSE
    run_path.mkdir(parents=True)
    if cache.exists():
        shutil.copy(cache, run_path / PARTIAL_PARSE)
    try:
        yield run_path
    finally:
        fresh = run_path / PARTIAL_PARSE
        if fresh.exists():
            cache.parent.mkdir(parents=True, exist_ok=True)
            staged = cache.with_name(f"{PARTIAL_PARSE}.{uuid.uuid4().hex}")
            shutil.copy(fresh, staged)
            os.replace(staged, cache)
        shutil.rmtree(run_path, ignore_errors=True)


def build_dbt_assets(env: Environment, project: DbtProject = finance_dbt_project) -> AssetsDefinition:
    """The @dbt_assets definition for `env`: its dbt runs connect with the DBT_* variables of that environment."""

    @dbt_assets(manifest=manifest_path(project), project=project, name=ASSETS_NAME,
                dagster_dbt_translator=FinanceDbtTranslator(), pool=DBT_POOL)
    def finance_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource,
                           config: DbtBuildConfig) -> Iterator[Any]:
        args = ["build", *(["--full-refresh"] if config.full_refresh else [])]
        with dbt_environment(env), warm_parse(project, env.name) as target_path:
            dsn = env.value("supabase", "dbt_url")
            for event in dbt.cli(args, context=context, target_path=target_path).stream():
                yield with_failing_rows(event, dsn)

    return finance_dbt_models
