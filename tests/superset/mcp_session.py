"""The MCP server as a client sees it: `hybrid mcp serve` in a subprocess driven by the SDK's own client, and
a private plane of dashboards applied to the test session's Superset for the tools to work on."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from dagster_project import paths
from dagster_project.superset.control import apply, environment
from tests.superset.conftest import RunningSuperset
from tests.superset.dashboards import Plane, private_plane

HYBRID = str(Path(sys.executable).parent / "hybrid")
READ_TOOLS = {"superset_list_dashboards", "superset_query_chart", "hybrid_compile", "hybrid_validate", "hybrid_plan",
              "hybrid_promote",
              "hybrid_drift_detect", "odoo_financial_summary", "odoo_query_invoices", "odoo_get_partner",
              "supabase_query", "lineage_of", "ocr_extract_invoice", "ocr_process_document", "dagster_run_status"}
WRITE_TOOLS = {"superset_create_chart", "superset_export_assets", "hybrid_apply", "superset_apply_bundle",
               "supabase_insert", "dagster_materialize"}


def applied_plane(superset: RunningSuperset, marts_dsn: str, tmp_path_factory: pytest.TempPathFactory,
                  label: str) -> Iterator[Plane]:
    """A test module's own dashboards (namespaces `<label>-local`, `<label>-production`), applied on local."""
    target = tmp_path_factory.mktemp(label) / "superset_assets"
    with pytest.MonkeyPatch.context() as mp, private_plane(superset, target, mp, label, ("local", "production")) as p:
        mp.setenv("ODOO_DB_URL_LOCAL", marts_dsn)  # the marts database holds the seeded Odoo tables in public
        mp.setenv("HYBRID_DBT_MANIFEST", str(paths.PROJECT_ROOT / "dbt" / "target" / "manifest.json"))
        mp.setenv("OCR_INBOX_DIR", str(tmp_path_factory.mktemp(f"{label}-ocr") / "inbox"))
        apply(environment("local"), p.bundle())
        yield p


def environ(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k != "HYBRID_HOME"}, **extra}


def session(*serve: str, cwd: Path = paths.PROJECT_ROOT):
    params = StdioServerParameters(command=HYBRID, args=["mcp", "serve", *serve], env=environ(), cwd=str(cwd))
    return stdio_client(params)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def calls(serve: tuple[str, ...], requests: list[tuple[str, dict[str, Any]]], cwd: Path = paths.PROJECT_ROOT
                 ) -> tuple[list[Any], list[Any]]:
    async with session(*serve, cwd=cwd) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        tools = (await client.list_tools()).tools
        results = [await client.call_tool(name, arguments) for name, arguments in requests]
    return tools, results


def ok(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content[0].text
    return result.structured_content


def error(result: Any) -> str:
    assert result.is_error, result.structured_content
    return result.content[0].text


