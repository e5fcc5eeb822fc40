"""Dagster as tools: launch a run of an asset selection in the deployment's Dagster and read a run's status
back, through the webserver's GraphQL API (ops/launcher.py)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from dagster_project.mcp.context import Context, ToolSpec
from dagster_project.mcp.lineage import asset_key, is_materializable
from dagster_project.ops import launcher


def launch(selection: list[str], tags: dict[str, str]) -> dict[str, Any]:
    keys = [asset_key(name) for name in selection]
    if observed := [key.to_user_string() for key in keys if not is_materializable(key)]:
        raise ValueError(f"{', '.join(observed)} cannot be materialized (replicated or external: Dagster observes "
                         "it); fix: select the marts or assets downstream of it")
    run_id = launcher.launch_job(launcher.ASSET_JOB, tags=tags, assets=keys)
    return {"run_id": run_id, "url": launcher.run_url(run_id), "assets": [key.to_user_string() for key in keys]}


def tools(ctx: Context) -> list[ToolSpec]:
    def dagster_materialize(
            assets: Annotated[list[str], Field(min_length=1, max_length=200,
                                               description="Asset keys to materialize, e.g. [\"warehouse/ar_aging\"] "
                                                           "(or a key's last part when unique; see lineage_of).")],
    ) -> dict[str, Any]:
        """Launch a Dagster run of these assets in the deployment's Dagster, as the UI's Materialize does: it is
        queued, shown in the UI with its logs, and tagged with the caller. Returns the run id and its URL."""
        return launch(assets, {"hybrid/caller": ctx.caller, "hybrid/launched_by": "mcp"})

    def dagster_run_status(
            run_id: Annotated[str, Field(min_length=8, max_length=64, description="A run id (from "
                                                                                  "dagster_materialize).")],
    ) -> dict[str, Any]:
        """A Dagster run's status (QUEUED, STARTED, SUCCESS, FAILURE, ...), its steps and materializations."""
        return launcher.run_status(run_id)

    return [ToolSpec("dagster_materialize", dagster_materialize, writes=True),
            ToolSpec("dagster_run_status", dagster_run_status)]
