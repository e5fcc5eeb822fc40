"""The MCP tools beyond looking and planning, through the SDK's client against the real stack: a compiled bundle
applied by its hash, OCR text from the inbox and from an allow-listed host, rows into the agents' ops tables
(and every refusal), and a Dagster run launched through the real webserver, followed to its end."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from dagster_project.config.roles import READER_ROLE
from dagster_project.stack.local import LocalStack
from dagster_project.stack.process import BackgroundProcess
from dagster_project.stack.scratch import free_port
from dagster_project.superset.control import environment, state_dsn
from tests.ocr.rendering import InvoiceSpec, Item, render_png, render_text_pdf
from tests.superset.conftest import RunningSuperset
from tests.superset.dagster_web import own_webserver
from tests.superset.dashboards import Plane
from tests.superset.mcp_session import applied_plane, calls, error, ok, run

pytestmark = pytest.mark.stack
LOCAL = ("--env", "local")
TWO_PAGES = InvoiceSpec(invoice_number="INV-MCP-0007", rows_per_page=14,
                        items=tuple(Item(f"Item {n}", 1, Decimal("100.00")) for n in range(20)))


@pytest.fixture(scope="module")
def plane(superset: RunningSuperset, marts_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plane]:
    yield from applied_plane(superset, marts_dsn, tmp_path_factory, "mcpt")


def test_a_compiled_bundle_is_applied_by_its_hash_and_only_while_the_code_builds_it(plane: Plane) -> None:
    chart = {"name": "agent_cash", "title": "Cash (agent)", "dataset": "cash_position",
             "viz_type": "big_number_total", "metrics": ["cash_balance"]}
    _, (created, compiled, planned, wrong) = run(calls(LOCAL, [
        ("superset_create_chart", chart), ("hybrid_compile", {}), ("hybrid_plan", {}),
        ("superset_apply_bundle", {"bundle_sha256": "0" * 64, "plan_id": "x"})]))
    ok(created)
    sha, plan = ok(compiled)["sha256"], ok(planned)
    assert plan["changes"] and [(c["action"], c["name"]) for c in plan["changes"]] == [("create", "agent_cash")]
    assert "superset_assets changed since hybrid_compile" in error(wrong)
    _, (applied, after) = run(calls(LOCAL, [
        ("superset_apply_bundle", {"bundle_sha256": sha, "plan_id": plan["plan_id"]}), ("hybrid_plan", {})]))
    assert ok(applied)["plan"]["counts"]["create"] == 1 and ok(after)["changes"] == []
    with plane.superset.client() as client:
        assert [row["slice_name"] for row in client.list("chart", filters=[("slice_name", "eq", "Cash (agent)")],
                                                          columns=["slice_name"])] == ["Cash (agent)"]
    with psycopg.connect(state_dsn(environment("local"))) as conn:
        assert conn.execute("SELECT bundle_hash FROM ops.deployments WHERE plan_id = %s",
                            (plan["plan_id"],)).fetchone() == (sha,)


class _Documents(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path == "/moved.png":
            self.send_response(302)
            self.send_header("Location", "http://elsewhere.example/acme.png")
            self.end_headers()
            return
        body = self.files.get(self.path.lstrip("/"))
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


def test_documents_are_read_from_the_inbox_and_from_allow_listed_hosts_only(
        plane: Plane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_URL_ALLOWED_HOSTS", "127.0.0.1")
    inbox = Path(os.environ["OCR_INBOX_DIR"])
    inbox.mkdir(parents=True, exist_ok=True)
    render_text_pdf(TWO_PAGES, inbox / "two-pages.pdf")
    _Documents.files = {"acme.png": render_png(dataclasses.replace(TWO_PAGES, items=TWO_PAGES.items[:3]),
                                               tmp_path / "acme.png").read_bytes()}
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Documents)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        _, (pdf, png, moved, foreign, both) = run(calls(LOCAL, [
            ("ocr_process_document", {"path": "two-pages.pdf"}),
            ("ocr_process_document", {"url": f"{base}/acme.png"}),
            ("ocr_process_document", {"url": f"{base}/moved.png"}),
            ("ocr_process_document", {"url": f"http://localhost:{server.server_port}/acme.png"}),
            ("ocr_process_document", {"path": "two-pages.pdf", "url": f"{base}/acme.png"})]))
    finally:
        server.shutdown()
    text = ok(pdf)
    assert [page["number"] for page in text["pages"]] == [1, 2] and text["media_type"] == "application/pdf"
    assert "INV-MCP-0007" in text["pages"][0]["text"] and "Item 19" in text["pages"][1]["text"]
    assert text["text"].count("\f") == 1 and Decimal(text["confidence"]) > Decimal("0.9")
    scanned = ok(png)
    assert scanned["engine"] == "tesseract" and scanned["media_type"] == "image/png"
    assert "INV-MCP-0007" in scanned["text"] and Decimal("0.5") < Decimal(scanned["confidence"]) <= 1
    assert "answered 302 Found (redirects are not followed)" in error(moved)
    assert "'localhost' is not an allowed host for documents (allowed: 127.0.0.1)" in error(foreign)
    assert "give exactly one of path" in error(both)


def test_agents_insert_rows_only_into_their_ops_tables_and_all_or_none(plane: Plane) -> None:
    note = {"subject": "dashboard:finance_overview", "period": "2026-10", "figure": 1234.5,
            "note": "October revenue dip: two invoices posted late"}
    _, (added, audit, unknown, owned, missing, atomic) = run(calls(LOCAL, [
        ("supabase_insert", {"table": "annotations", "rows": [note, {**note, "period": "2026-11"}]}),
        ("supabase_insert", {"table": "agent_calls", "rows": [{"tool": "x"}]}),
        ("supabase_insert", {"table": "annotations", "rows": [{**note, "mood": "sad"}]}),
        ("supabase_insert", {"table": "annotations", "rows": [{**note, "caller": "someone else"}]}),
        ("supabase_insert", {"table": "data_issues", "rows": [{"subject": "mart:ar_aging", "severity": "info"}]}),
        ("supabase_insert", {"table": "data_issues", "rows": [
            {"subject": "mart:ar_aging", "severity": "warning", "description": "a partner without VAT"},
            {"subject": "mart:ar_aging", "severity": "fatal", "description": "not a severity"}]})]))
    result = ok(added)
    assert result["inserted"] == 2 and result["table"] == "ops.annotations"
    assert "agent_calls" in error(audit)
    assert "row 0 for ops.annotations: mood is not a column you can write" in error(unknown)
    assert "caller is set by the server" in error(owned)
    assert "description is required" in error(missing)
    assert "row 1 for ops.data_issues" in error(atomic) and "data_issues_severity_check" in error(atomic)
    with psycopg.connect(state_dsn(environment("local"))) as conn:
        stored = conn.execute("SELECT env, caller, period, figure FROM ops.annotations WHERE id = ANY(%s) ORDER BY id",
                              (result["ids"],)).fetchall()
        issues = conn.execute("SELECT count(*) FROM ops.data_issues").fetchone()[0]
    assert stored == [("local", "mcp:stdio", "2026-10", Decimal("1234.5")), ("local", "mcp:stdio", "2026-11",
                                                                           Decimal("1234.5"))]
    assert issues == 0, "a refused row takes the whole call back"


def _dagster(stack: LocalStack, marts_dsn: str, monkeypatch: pytest.MonkeyPatch, home: Path) -> BackgroundProcess:
    """The test's webserver, building dbt into the marts database (seeded with Odoo rows)."""
    return own_webserver(stack, home, monkeypatch, {"SUPABASE_DBT_URL_LOCAL": marts_dsn})


def test_an_agent_launches_a_dagster_run_and_follows_it_to_the_end(
        plane: Plane, stack: LocalStack, marts_dsn: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    webserver = _dagster(stack, marts_dsn, monkeypatch, tmp_path)
    began = time.time()
    with psycopg.connect(marts_dsn) as conn:
        before = conn.execute("SELECT 'warehouse.dim_currency'::regclass::oid").fetchone()[0]
        built = conn.execute("SELECT count(*) FROM warehouse.dim_currency").fetchone()[0]
    try:
        webserver.start(progress=lambda _: None)
        _, (launched, replica, unknown) = run(calls(LOCAL, [
            ("dagster_materialize", {"assets": ["warehouse/dim_currency"]}),
            ("dagster_materialize", {"assets": ["odoo/account_move"]}),
            ("dagster_materialize", {"assets": ["warehouse/no_such_mart"]})]))
        started = ok(launched)
        assert started["assets"] == ["warehouse/dim_currency"]
        assert started["url"] == f"http://127.0.0.1:{stack.dagster_port}/runs/{started['run_id']}"
        assert "odoo/account_move cannot be materialized" in error(replica)
        assert "'warehouse/no_such_mart': no asset is called that" in error(unknown)
        deadline, status = time.monotonic() + 300, {}
        while time.monotonic() < deadline:
            _, (answer,) = run(calls(LOCAL, [("dagster_run_status", {"run_id": started["run_id"]})]))
            status = ok(answer)
            if status["finished"]:
                break
            time.sleep(3)
        _, (absent,) = run(calls(LOCAL, [("dagster_run_status", {"run_id": "00000000-0000-0000-0000-000000000000"})]))
    finally:
        webserver.stop()
        with psycopg.connect(marts_dsn, autocommit=True) as conn:  # the rebuilt table, readable as before
            conn.execute(sql.SQL("GRANT SELECT ON warehouse.dim_currency TO {}").format(sql.Identifier(READER_ROLE)))
    with psycopg.connect(stack.dsn("dagster", "dagster")) as conn:
        launched = conn.execute("SELECT run_id, pipeline_name FROM runs WHERE create_timestamp > to_timestamp(%s) "
                                "AT TIME ZONE 'UTC'", (began,)).fetchall()
    assert launched == [(started["run_id"], "__ASSET_JOB")], "the agent's run alone"
    assert status["status"] == "SUCCESS", status
    assert status["assets"] == ["warehouse/dim_currency"] and status["materializations"] == 1
    assert status["tags"] == {"hybrid/caller": "mcp:stdio", "hybrid/launched_by": "mcp"}
    assert "run '00000000-0000-0000-0000-000000000000'" in error(absent)
    with psycopg.connect(marts_dsn) as conn:
        after = conn.execute("SELECT 'warehouse.dim_currency'::regclass::oid").fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM warehouse.dim_currency").fetchone()[0]
    assert after != before, "dbt rebuilt the table in that run"
    assert rows == built > 0
