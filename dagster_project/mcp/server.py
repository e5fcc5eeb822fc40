"""`hybrid mcp serve`: the MCP server, over stdio (what desktop clients launch) or streamable HTTP behind a
bearer token (HYBRID_MCP_TOKEN); resources give an agent the instance matrix (no secrets), the dbt models
with their column docs, and a guide to the safe order of tools."""

from __future__ import annotations

import hmac
import json
import os
from typing import Any

from mcp.server.mcpserver import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from dagster_project.config.matrix import load_matrix
from dagster_project.dbt.manifest import ensure_manifest
from dagster_project.mcp import control_plane, dashboards, inserts, lineage, ocr, odoo, runs, warehouse
from dagster_project.mcp.context import Context, register

TOKEN_VARIABLE = "HYBRID_MCP_TOKEN"
GUIDE = """Work on dashboards as code in this order, and stop for the user's confirmation before applying:
1. superset_list_dashboards / superset_query_chart / odoo_financial_summary to look (they change nothing);
2. superset_create_chart (or edit templates) to change the code; hybrid_validate until it is valid;
3. hybrid_plan: show the user every + create / ~ update / - delete line and the plan_id;
4. after the user agrees: hybrid_apply with that plan_id (within 15 minutes). In a protected environment
   (production) an operator must first run `hybrid approve <plan_id>`: you cannot approve your own plan.
hybrid_drift_detect tells whether someone changed Superset outside the code."""


def build_server(ctx: Context) -> tuple[MCPServer, list[str]]:
    server = MCPServer("hybrid", instructions=GUIDE)
    names = []
    for module in (dashboards, control_plane, odoo, ocr, warehouse, inserts, lineage, runs):
        names += register(server, ctx, module.tools(ctx))

    @server.resource("hybrid://instance-matrix", name="instance-matrix", mime_type="application/json",
                     description="The environments and, per service, the names of the variables that hold "
                                 "connection strings (never their values).")
    def instance_matrix() -> str:
        matrix = load_matrix()
        return json.dumps({name: {"description": env.description, "protected": env.protected,
                                  "services": {svc: {"role": s.role, "url": s.url, "variables": dict(s.variables)}
                                               for svc, s in env.services.items()}}
                           for name, env in matrix.environments.items()}, indent=2, default=list)

    @server.resource("hybrid://dbt-models", name="dbt-models", mime_type="application/json",
                     description="Every dbt model: schema, table, description and documented columns.")
    def dbt_models() -> str:
        nodes = json.loads(ensure_manifest(progress=lambda _: None).read_text())["nodes"].values()
        return json.dumps([{"model": n["name"], "relation": f"{n['schema']}.{n.get('alias') or n['name']}",
                            "description": n.get("description", ""),
                            "columns": {c: col.get("description", "") for c, col in (n.get("columns") or {}).items()}}
                           for n in nodes if n["resource_type"] == "model"], indent=1)

    @server.prompt(name="safe-order", description="How to use these tools safely.")
    def safe_order() -> str:
        return GUIDE

    return server, names


class BearerToken:
    """Every HTTP request needs `Authorization: Bearer <HYBRID_MCP_TOKEN>`; anything else is 401."""

    def __init__(self, app: ASGIApp, token: str):
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = Request(scope).headers.get("authorization", "")
            given = header[7:] if header.lower().startswith("bearer ") else ""
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                response: Response = JSONResponse({"error": "unauthorized: send Authorization: Bearer <token>"},
                                                  status_code=401, headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def http_app(server: MCPServer, host: str) -> Any:
    token = os.environ.get(TOKEN_VARIABLE, "")
    if len(token) < 16:
        raise ValueError(f"{TOKEN_VARIABLE} is unset or shorter than 16 characters: the HTTP server does not start "
                         f"without a bearer token; fix: export {TOKEN_VARIABLE}=$(openssl rand -hex 32)")
    return BearerToken(server.streamable_http_app(host=host), token)
