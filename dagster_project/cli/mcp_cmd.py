"""`hybrid mcp serve` (the MCP server for AI agents) and `hybrid approve` (an operator's approval of an
agent's plan for a protected environment): docs/mcp.md."""

from __future__ import annotations

import getpass

import click
import uvicorn

from dagster_project.cli import common
from dagster_project.mcp import plans
from dagster_project.mcp.context import Context
from dagster_project.mcp.server import TOKEN_VARIABLE, build_server, http_app
from dagster_project.superset.control import state_dsn


@click.group()
def mcp() -> None:
    """The MCP server that lets AI agents (Claude Desktop, Claude Code, any MCP client) use the platform."""


@mcp.command("serve")
@common.env_option
@click.option("--read-only/--read-write", default=None,
              help="Expose only tools that change nothing (default: read-only for protected environments).")
@click.option("--http", "over_http", is_flag=True, help=f"Streamable HTTP instead of stdio; needs {TOKEN_VARIABLE}.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@common.handle_errors
def serve(env_name: str, read_only: bool | None, over_http: bool, host: str, port: int) -> None:
    """Serve the tools over stdio (what desktop clients launch) or HTTP with a bearer token.

    \b
    Examples:
      hybrid mcp serve --env local
      HYBRID_MCP_TOKEN=$(openssl rand -hex 32) hybrid mcp serve --http --port 8765
    """
    env = common.resolve_env(env_name)
    ctx = Context(env.name, env.protected if read_only is None else read_only, "mcp:http" if over_http else "mcp:stdio")
    server, names = build_server(ctx)
    click.echo(f"hybrid mcp: {len(names)} tools for {env.name}{' (read-only)' if ctx.read_only else ''}", err=True)
    if not over_http:
        server.run()
        return
    try:
        app = http_app(server, host)
    except ValueError as exc:
        common.fail(str(exc), common.EXIT_CONFIG)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@click.command("approve")
@click.argument("plan_id")
@common.env_option
@common.output_option
@common.handle_errors
def approve(plan_id: str, env_name: str, output: str) -> None:
    """Approve an agent's plan for a protected environment; the agent's hybrid_apply then goes ahead.

    Run by an operator, outside the agent's reach: no MCP tool can approve.

    \b
    Example:
      hybrid approve 3f0c2a6e-... --env production
    """
    env = common.resolve_env(env_name)
    try:
        stored = plans.approve(state_dsn(env), plan_id, getpass.getuser())
    except plans.PlanRefused as exc:
        common.fail(str(exc), common.EXIT_UNHEALTHY)
        return
    if output == "json":
        common.emit_json({"plan_id": stored.plan_id, "env": stored.env, "approved_by": stored.approved_by,
                   "summary": stored.plan.get("summary")})
    else:
        click.echo(f"approved plan {stored.plan_id} for {stored.env} as {stored.approved_by}: "
                   f"{stored.plan.get('summary')}")
