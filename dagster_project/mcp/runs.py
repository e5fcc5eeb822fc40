"""Dagster as tools: launch a run of an asset selection in the deployment's Dagster (through its webserver's
GraphQL API, so the run is queued, shown in the UI and kept in the instance's storage like any other) and
read a run's status back. The API is reached at DAGSTER_GRAPHQL_URL when set (the compose service's internal
address), else at DAGSTER_WEBSERVER_URL, which the links given back always use (`hybrid stack up` writes it)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError
from pydantic import Field

from dagster_project.config.matrix import runtime_environ
from dagster_project.mcp.context import Context, ToolSpec
from dagster_project.mcp.lineage import asset_key, is_materializable
from dagster_project.ops.settings import WEBSERVER_VARIABLE, webserver_url

LOCATION = "hybrid"  # workspace.yaml's location_name
ASSET_JOB = "__ASSET_JOB"  # the implicit job every asset belongs to
TIMEOUT_S = 30
API_VARIABLE = "DAGSTER_GRAPHQL_URL"
RUN_QUERY = """query RunStatus($runId: ID!) { runOrError(runId: $runId) {
  __typename
  ... on Run { runId status startTime endTime assetSelection { path } tags { key value }
               stats { ... on RunStatsSnapshot { stepsSucceeded stepsFailed materializations } } }
  ... on PythonError { message } ... on RunNotFoundError { message } } }"""


def _links() -> httpx.URL:
    return httpx.URL(webserver_url(runtime_environ()) + "/")


def _base() -> httpx.URL:
    environ = runtime_environ()
    return httpx.URL((environ.get(API_VARIABLE) or webserver_url(environ)).rstrip("/") + "/")


def _unreachable(base: httpx.URL, exc: Exception) -> ConnectionError:
    return ConnectionError(f"the Dagster webserver at {base} ({API_VARIABLE} or {WEBSERVER_VARIABLE}) cannot be "
                           f"reached: {exc}; fix: start it (`hybrid stack up`) or set {WEBSERVER_VARIABLE}")


def launch(selection: list[str], tags: dict[str, str]) -> dict[str, Any]:
    keys = [asset_key(name) for name in selection]
    if observed := [key.to_user_string() for key in keys if not is_materializable(key)]:
        raise ValueError(f"{', '.join(observed)} cannot be materialized (replicated or external: Dagster observes "
                         "it); fix: select the marts or assets downstream of it")
    base = _base()
    client = DagsterGraphQLClient(base.host, port_number=base.port, use_https=base.scheme == "https",
                                  path_prefix=base.path.rstrip("/"), timeout=TIMEOUT_S)
    try:
        run_id = client.submit_job_execution(ASSET_JOB, repository_location_name=LOCATION, asset_selection=keys,
                                             tags=tags)
    except DagsterGraphQLClientError as exc:
        if "connect" in str(exc).lower() or isinstance(exc.__cause__, OSError):
            raise _unreachable(base, exc) from exc
        raise ValueError(f"Dagster refused the run: {exc}") from exc
    return {"run_id": run_id, "url": str(_links().join(f"runs/{run_id}")),
            "assets": [key.to_user_string() for key in keys]}


def run_status(run_id: str) -> dict[str, Any]:
    base = _base()
    try:
        answer = httpx.post(base.join("graphql"), json={"query": RUN_QUERY, "variables": {"runId": run_id}},
                            timeout=TIMEOUT_S)
        answer.raise_for_status()
    except httpx.HTTPError as exc:
        raise _unreachable(base, exc) from exc
    body = answer.json()
    found = (body.get("data") or {}).get("runOrError") or {}
    if found.get("__typename") != "Run":
        raise LookupError(f"run {run_id!r}: {found.get('message') or body.get('errors')}; fix: pass the run_id "
                          "dagster_materialize returned")
    stats = found.get("stats") or {}
    return {"run_id": run_id, "status": found["status"], "url": str(_links().join(f"runs/{run_id}")),
            "started": found.get("startTime"), "ended": found.get("endTime"),
            "assets": ["/".join(a["path"]) for a in found.get("assetSelection") or []],
            "steps_succeeded": stats.get("stepsSucceeded"), "steps_failed": stats.get("stepsFailed"),
            "materializations": stats.get("materializations"),
            "tags": {t["key"]: t["value"] for t in found["tags"] if t["key"].startswith("hybrid/")},
            "finished": found["status"] in ("SUCCESS", "FAILURE", "CANCELED")}


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
        return run_status(run_id)

    return [ToolSpec("dagster_materialize", dagster_materialize, writes=True),
            ToolSpec("dagster_run_status", dagster_run_status)]
