"""Runs launched in the deployment's Dagster through its webserver's GraphQL API, so each is queued, shown in
the UI with its logs and kept in the instance's storage like any other. The MCP server and the webhook service
both launch through here. The API is reached at DAGSTER_GRAPHQL_URL when set (a compose service's internal
address), else at DAGSTER_WEBSERVER_URL, which the links given back always use (`hybrid stack up` writes it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from dagster import AssetKey
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from dagster_project.config.matrix import runtime_environ
from dagster_project.ops.settings import WEBSERVER_VARIABLE, webserver_url

LOCATION = "hybrid"  # workspace.yaml's location_name
ASSET_JOB = "__ASSET_JOB"  # the implicit job every asset belongs to
TIMEOUT_S = 30
API_VARIABLE = "DAGSTER_GRAPHQL_URL"
FINISHED = ("SUCCESS", "FAILURE", "CANCELED")
NOT_STARTED = ("QUEUED", "NOT_STARTED", "STARTING")  # no step has run yet
RUN_FIELDS = """fragment RunFields on Run { runId status startTime endTime assetSelection { path }
  tags { key value } stats { ... on RunStatsSnapshot { stepsSucceeded stepsFailed materializations } } }"""
RUN_QUERY = """query RunStatus($runId: ID!) { runOrError(runId: $runId) {
  __typename ... on Run { ...RunFields } ... on PythonError { message } ... on RunNotFoundError { message } } }
""" + RUN_FIELDS
RUNS_QUERY = """query Runs($filter: RunsFilter!, $limit: Int!) { runsOrError(filter: $filter, limit: $limit) {
  __typename ... on Runs { results { ...RunFields } } ... on PythonError { message }
  ... on InvalidPipelineRunsFilterError { message } } }
""" + RUN_FIELDS


def run_url(run_id: str) -> str:
    return str(httpx.URL(webserver_url(runtime_environ()) + "/").join(f"runs/{run_id}"))


def _base() -> httpx.URL:
    environ = runtime_environ()
    return httpx.URL((environ.get(API_VARIABLE) or webserver_url(environ)).rstrip("/") + "/")


def _unreachable(base: httpx.URL, exc: Exception) -> ConnectionError:
    return ConnectionError(f"the Dagster webserver at {base} ({API_VARIABLE} or {WEBSERVER_VARIABLE}) cannot be "
                           f"reached: {exc}; fix: start it (`hybrid stack up`) or set {WEBSERVER_VARIABLE}")


def launch_job(job: str, *, tags: Mapping[str, str], run_config: Mapping[str, Any] | None = None,
               assets: list[AssetKey] | None = None) -> str:
    """Launch a run of `job` (or of `assets` through the implicit asset job); returns its run id."""
    base = _base()
    client = DagsterGraphQLClient(base.host, port_number=base.port, use_https=base.scheme == "https",
                                  path_prefix=base.path.rstrip("/"), timeout=TIMEOUT_S)
    try:
        return client.submit_job_execution(job, repository_location_name=LOCATION, run_config=dict(run_config or {}),
                                           asset_selection=assets, tags=dict(tags))
    except DagsterGraphQLClientError as exc:
        if "connect" in str(exc).lower() or isinstance(exc.__cause__, OSError):
            raise _unreachable(base, exc) from exc
        raise ValueError(f"Dagster refused the run of {job}: {exc}") from exc


def _query(query: str, variables: dict[str, Any]) -> dict[str, Any]:
    base = _base()
    try:
        answer = httpx.post(base.join("graphql"), json={"query": query, "variables": variables}, timeout=TIMEOUT_S)
        answer.raise_for_status()
    except httpx.HTTPError as exc:
        raise _unreachable(base, exc) from exc
    body = answer.json()
    if body.get("errors"):
        raise ValueError(f"Dagster's GraphQL API refused the query: {body['errors']}")
    return body["data"]


def _run(found: dict[str, Any]) -> dict[str, Any]:
    stats = found.get("stats") or {}
    return {"run_id": found["runId"], "status": found["status"], "url": run_url(found["runId"]),
            "started": found.get("startTime"), "ended": found.get("endTime"),
            "assets": ["/".join(a["path"]) for a in found.get("assetSelection") or []],
            "steps_succeeded": stats.get("stepsSucceeded"), "steps_failed": stats.get("stepsFailed"),
            "materializations": stats.get("materializations"),
            "tags": {t["key"]: t["value"] for t in found["tags"] if t["key"].startswith("hybrid/")},
            "finished": found["status"] in FINISHED}


def run_status(run_id: str) -> dict[str, Any]:
    found = _query(RUN_QUERY, {"runId": run_id}).get("runOrError") or {}
    if found.get("__typename") != "Run":
        raise LookupError(f"run {run_id!r}: {found.get('message')}; fix: pass the run_id the launch returned")
    return _run(found)


def runs(tags: Mapping[str, str], statuses: tuple[str, ...] = (), limit: int = 20) -> list[dict[str, Any]]:
    """The newest runs carrying all of `tags` (in one of `statuses` when given), newest first."""
    run_filter: dict[str, Any] = {"tags": [{"key": k, "value": v} for k, v in tags.items()]}
    if statuses:
        run_filter["statuses"] = list(statuses)
    found = _query(RUNS_QUERY, {"filter": run_filter, "limit": limit}).get("runsOrError") or {}
    if found.get("__typename") != "Runs":
        raise ValueError(f"Dagster could not list runs: {found.get('message')}")
    return [_run(r) for r in found["results"]]
