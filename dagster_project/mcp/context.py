"""What every tool shares: the server's environment, whether it may write, who is calling, and the tool's
registration with auditing and errors an agent can act on."""

from __future__ import annotations

import functools
import inspect
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import psycopg
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from dagster_project.config.gate import ApprovalRequired
from dagster_project.config.matrix import Environment, MatrixError, load_matrix
from dagster_project.config.redact import redact
from dagster_project.dbt.manifest import ManifestMissing
from dagster_project.mcp.audit import record_call
from dagster_project.mcp.plans import PlanRefused
from dagster_project.ocr.errors import ServiceUnavailable, UnreadableDocument
from dagster_project.stack.errors import StackError
from dagster_project.superset.client import SupersetError
from dagster_project.superset.templates import AssetError
from dagster_project.superset.validate import ValidationFailed

EnvArg = Annotated[str | None, Field(description="Environment from config/instance-matrix.yaml: local, staging or "
                                                 "production (aliases dev, prod). Default: the server's --env.")]
# Failures whose message already names the input and the fix: passed to the agent as they are.
EXPECTED = (AssetError, ValidationFailed, SupersetError, MatrixError, StackError, ApprovalRequired, PlanRefused,
            ManifestMissing, UnreadableDocument, ServiceUnavailable, psycopg.Error, ValueError, LookupError,
            ConnectionError)


@dataclass(frozen=True)
class Context:
    env: str  # the server's environment
    read_only: bool
    caller: str  # "mcp:stdio" or "mcp:http": recorded with every call

    def environment(self, name: str | None) -> Environment:
        return load_matrix().resolve(name or self.env)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    fn: Callable[..., Any]
    writes: bool = False  # changes something (code in superset_assets, Superset, a table): hidden when read-only


def register(server: MCPServer, ctx: Context, specs: list[ToolSpec]) -> list[str]:
    """Add each tool (only those that change nothing when read-only); returns the names added."""
    added = []
    for spec in specs:
        if spec.writes and ctx.read_only:
            continue
        server.add_tool(_audited(ctx, spec), name=spec.name,
                        annotations=ToolAnnotations(readOnlyHint=not spec.writes, destructiveHint=False,
                                                    openWorldHint=False))
        added.append(spec.name)
    return added


def _audited(ctx: Context, spec: ToolSpec) -> Callable[..., Any]:
    """Every call lands in ops.agent_calls; a failure becomes an MCP tool error, never a dead server."""
    signature = inspect.signature(spec.fn)

    @functools.wraps(spec.fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        arguments = dict(signature.bind_partial(*args, **kwargs).arguments)
        started, outcome, error = time.monotonic(), "ok", None
        try:
            return spec.fn(*args, **kwargs)
        except PlanRefused as exc:
            outcome, error = "refused", str(exc)
            raise ToolError(error) from exc
        except EXPECTED as exc:
            outcome, error = "error", redact(str(exc).strip())
            raise ToolError(error) from exc
        except Exception as exc:  # a defect: the agent still gets a message, the server keeps running
            outcome, error = "error", redact(f"{type(exc).__name__}: {exc}")
            raise ToolError(f"internal error in {spec.name}: {error}") from exc
        finally:
            _record(ctx, spec.name, arguments, time.monotonic() - started, outcome, error)

    return call


def _record(ctx: Context, tool: str, arguments: dict[str, Any], seconds: float, outcome: str,
            error: str | None) -> None:
    try:
        env = ctx.environment(arguments.get("env"))
        record_call(env.value("supabase", "ops_url"), env.name, tool, arguments, ctx.caller, seconds, outcome, error)
    except (MatrixError, psycopg.Error, TypeError, ValueError) as exc:  # auditing must not hide the result:
        # say so where an operator looks
        print(f"hybrid mcp: could not record the call of {tool} in ops.agent_calls: {redact(str(exc))}",
              file=sys.stderr)
