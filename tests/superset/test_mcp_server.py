"""The MCP server driven by the SDK's own client, as `hybrid mcp serve` runs it (a subprocess over stdio, and
over HTTP with a bearer token), against the test session's real Superset, warehouse and Odoo-shaped
database: the tool list and schemas, looking at dashboards and charts, a chart from code to live through
plan and apply, every refusal of apply, production's operator approval, the audit rows, the financial
summary against SQL of its own, and 401 without a token."""

from __future__ import annotations

import io
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from dulwich import porcelain
from mcp import ClientSession
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client

from dagster_project import paths
from dagster_project.stack.scratch import free_port
from dagster_project.superset.control import environment, state_dsn
from tests.ocr.helpers import invoice
from tests.superset.conftest import RunningSuperset
from tests.superset.dashboards import Plane
from tests.superset.mcp_session import READ_TOOLS, WRITE_TOOLS, applied_plane, calls, environ, error, ok, run

pytestmark = pytest.mark.stack
HYBRID = str(Path(sys.executable).parent / "hybrid")


@pytest.fixture(scope="module")
def plane(superset: RunningSuperset, marts_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plane]:
    yield from applied_plane(superset, marts_dsn, tmp_path_factory, "mcp")


def test_tools_their_schemas_and_the_read_only_set(plane: Plane) -> None:
    tools, _ = run(calls(("--env", "local"), []))
    by_name = {tool.name: tool for tool in tools}
    assert set(by_name) == READ_TOOLS | WRITE_TOOLS
    assert {name for name, tool in by_name.items() if tool.annotations.read_only_hint} == READ_TOOLS
    apply_schema = by_name["hybrid_apply"].input_schema
    assert apply_schema["required"] == ["plan_id"]
    assert "15 minutes" in apply_schema["properties"]["plan_id"]["description"]
    assert by_name["superset_query_chart"].input_schema["properties"]["row_limit"]["maximum"] == 1000
    assert all(tool.description for tool in tools)
    production, _ = run(calls(("--env", "production"), []))
    assert {tool.name for tool in production} == READ_TOOLS, "production is read-only by default"


def test_look_at_dashboards_and_query_a_chart(plane: Plane) -> None:
    _, (listed, queried, bad) = run(calls(("--env", "local"), [
        ("superset_list_dashboards", {"title_contains": "AR aging (mcp local)"}),
        ("superset_query_chart", {"chart": "AR by bucket", "row_limit": 2}),
        ("superset_query_chart", {"chart": "no such chart"})]))
    [board] = ok(listed)["dashboards"]
    assert board["slug"] == "ar-aging-mcp-local" and board["url"].startswith(plane.superset.url)
    assert {c["name"] for c in board["charts"]} >= {"AR by bucket", "AR total open"}
    rows = ok(queried)
    assert rows["row_count"] >= 1 and len(rows["rows"]) <= 2 and rows["columns"]
    assert "no chart has the id or exact name 'no such chart'" in error(bad)


def test_a_chart_goes_from_code_to_live_only_through_a_fresh_plan(plane: Plane) -> None:
    chart = {"name": "agent_open_items", "title": "Open items (agent)", "dataset": "ar_aging",
             "viz_type": "big_number_total", "metrics": ["open_items"]}
    _, (created, invalid, planned, missing, bogus) = run(calls(("--env", "local"), [
        ("superset_create_chart", chart),
        ("superset_create_chart", {**chart, "name": "agent_broken", "metrics": ["no_such_metric"]}),
        ("hybrid_plan", {}),
        ("hybrid_apply", {}),
        ("hybrid_apply", {"plan_id": "not-a-plan"})]))
    assert Path(ok(created)["path"]) == plane.assets / "charts" / "agent_open_items.yaml"
    assert "no_such_metric" in error(invalid) and not (plane.assets / "charts" / "agent_broken.yaml").exists()
    plan = ok(planned)
    assert [(c["action"], c["name"]) for c in plan["changes"]] == [("create", "agent_open_items")]
    assert "plan_id" in error(missing)
    assert "no plan 'not-a-plan'" in error(bogus)

    dsn = state_dsn(environment("local"))
    with psycopg.connect(dsn, autocommit=True) as conn:  # a plan made 16 minutes ago
        conn.execute("UPDATE ops.agent_plans SET created_at = now() - interval '16 minutes' WHERE plan_id = %s",
                     (plan["plan_id"],))
    _, (stale, fresh) = run(calls(("--env", "local"), [("hybrid_apply", {"plan_id": plan["plan_id"]}),
                                                         ("hybrid_plan", {})]))
    assert "16 minutes old (the limit is 15)" in error(stale)
    with plane.superset.client() as client:  # someone edits Superset between plan and apply
        row = client.find_by_uuid("chart", next(o.uuid for o in plane.bundle().of("chart") if o.name == "ar_total"))
        assert row is not None
        client.update("chart", row["id"], {"description": "edited by hand"}, "AR total")
    _, (changed, replanned) = run(calls(("--env", "local"), [("hybrid_apply", {"plan_id": ok(fresh)["plan_id"]}),
                                                               ("hybrid_plan", {})]))
    assert "the live Superset of 'local' changed since plan" in error(changed)
    second = ok(replanned)
    assert {(c["action"], c["name"]) for c in second["changes"]} == {("create", "agent_open_items"),
                                                                       ("update", "ar_total")}
    _, (applied, after, again) = run(calls(("--env", "local"), [
        ("hybrid_apply", {"plan_id": second["plan_id"]}), ("hybrid_plan", {}),
        ("hybrid_apply", {"plan_id": second["plan_id"]})]))
    assert ok(applied)["plan"]["counts"]["create"] == 1 and ok(after)["changes"] == []
    assert "was applied already" in error(again)
    with psycopg.connect(dsn, autocommit=True) as conn:
        [(changes, caller)] = conn.execute("SELECT changes, caller FROM ops.deployments WHERE plan_id = %s",
                                           (second["plan_id"],)).fetchall()
        outcomes = dict(conn.execute("SELECT outcome, count(*) FROM ops.agent_calls WHERE tool = 'hybrid_apply' "
                                     "AND called_at > now() - interval '10 minutes' GROUP BY outcome").fetchall())
    assert caller == "mcp:stdio" and {c["name"] for c in changes} == {"agent_open_items", "ar_total"}
    assert outcomes["ok"] >= 1 and outcomes["refused"] >= 4  # a bogus, a stale, an outdated and a spent plan id


def test_production_applies_only_after_an_operator_approves(plane: Plane, tmp_path: Path) -> None:
    """Run from a clean clone of main, as a protected environment demands; the agent cannot approve."""
    clone = tmp_path / "main"
    porcelain.clone(str(paths.PROJECT_ROOT), str(clone), checkout=True, errstream=io.BytesIO()).close()
    serve = ("--env", "production", "--read-write")
    _, (planned,) = run(calls(serve, [("hybrid_plan", {})], cwd=clone))
    plan = ok(planned)
    assert plan["needs_approval"] and plan["counts"]["create"] > 30
    _, (refused,) = run(calls(serve, [("hybrid_apply", {"plan_id": plan["plan_id"]})], cwd=clone))
    assert f"`hybrid approve {plan['plan_id']} --env production`" in error(refused)
    done = subprocess.run([HYBRID, "approve", plan["plan_id"], "--env", "production", "--output", "json"],
                          env=environ(), cwd=clone, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    _, (applied,) = run(calls(serve, [("hybrid_apply", {"plan_id": plan["plan_id"]})], cwd=clone))
    result = ok(applied)
    assert result["approved_by"] == json.loads(done.stdout)["approved_by"] and result["plan"]["counts"]["create"] > 30


def test_an_agent_adopts_a_ui_dashboard_and_promotes_stopping_at_drift(plane: Plane) -> None:
    with plane.superset.client() as client:
        made = client.create("dashboard", {"dashboard_title": "Agent board", "slug": "agent-board-mcp"}, "by hand")
        uuid = {row["id"]: row["uuid"] for row in client.list("dashboard", columns=["uuid"])}[made]
    _, (exported,) = run(calls(("--env", "local"), [("superset_export_assets", {"dashboard": "agent-board-mcp"})]))
    adoption = ok(exported)
    assert adoption["adopted"] == [{"kind": "dashboard", "name": "agent_board_mcp", "uuid": uuid}]
    assert [(c["action"], c["uuid"]) for c in adoption["plan"]["changes"]] == [("adopt", uuid)]
    _, (applied, promoted) = run(calls(("--env", "local"), [
        ("hybrid_apply", {"plan_id": adoption["plan"]["plan_id"]}),
        ("hybrid_promote", {"chain": ["local", "production"]})]))
    assert ok(applied)["plan"]["counts"]["adopt"] == 1
    steps = ok(promoted)["steps"]
    assert [(s["env"], s["status"], [(c["action"], c["name"]) for c in s["plan"]["changes"]]) for s in steps] == [
        ("local", "planned", []), ("production", "planned", [("create", "agent_board_mcp")])], \
        "in production the adopted template is a new dashboard of its own"
    with plane.superset.client() as client:
        assert [row["id"] for row in client.list("dashboard", filters=[("slug", "eq", "agent-board-mcp")])] == [made]
        client.update("dashboard", made, {"dashboard_title": "Agent board (edited)"}, "by hand")
    _, (stopped,) = run(calls(("--env", "local"), [("hybrid_promote", {"chain": ["local", "production"]})]))
    result = ok(stopped)
    assert result["stopped_at"] == "local" and [s["status"] for s in result["steps"]] == ["drift", "skipped"]


def test_the_financial_summary_equals_sql_of_its_own(plane: Plane, marts_dsn: str) -> None:
    _, (summary, swapped) = run(calls(("--env", "local"), [
        ("odoo_financial_summary", {"date_from": "2025-01-01", "date_to": "2025-12-31", "company": 1}),
        ("odoo_financial_summary", {"date_from": "2025-12-31", "date_to": "2025-01-01"})]))
    found = ok(summary)
    with psycopg.connect(marts_dsn) as conn:  # debits and credits by account type, summed here
        totals = dict(conn.execute(
            "SELECT a.account_type, sum(l.credit) - sum(l.debit) FROM account_move_line l "
            "JOIN account_account a ON a.id = l.account_id JOIN account_move m ON m.id = l.move_id "
            "WHERE m.state = 'posted' AND l.company_id = 1 AND l.date >= '2025-01-01' AND l.date < '2026-01-01' "
            "GROUP BY a.account_type").fetchall())
        closing = dict(conn.execute(
            "SELECT a.account_type, sum(l.debit) - sum(l.credit) FROM account_move_line l "
            "JOIN account_account a ON a.id = l.account_id JOIN account_move m ON m.id = l.move_id "
            "WHERE m.state = 'posted' AND l.company_id = 1 AND l.date <= '2025-12-31' GROUP BY a.account_type"
        ).fetchall())
    revenue = float(sum(totals.get(t, 0) for t in ("income", "income_other")))
    expenses = -float(sum(totals.get(t, 0) for t in ("expense", "expense_direct_cost", "expense_depreciation",
                                                     "expense_other")))
    assert revenue > 0 and expenses > 0
    assert (found["revenue"], found["expenses"], found["net_income"]) == pytest.approx(
        (revenue, expenses, revenue - expenses), abs=0.01)
    assert (found["receivables"], found["payables"], found["cash"]) == pytest.approx(
        (float(closing["asset_receivable"]), -float(closing["liability_payable"]), float(closing["asset_cash"])),
        abs=0.01)
    assert found["data_as_of"] and "income_statement_monthly" in found["definitions"]["revenue"]
    assert "date_from 2025-12-31 is after date_to 2025-01-01" in error(swapped)
    with psycopg.connect(marts_dsn) as conn:  # the customer owing most: balances less their reconciliations
        partner_id, name, receivable = conn.execute(
            "SELECT p.commercial_partner_id, c.name, sum(l.balance - coalesce(d.amount, 0) + coalesce(k.amount, 0)) "
            "FROM account_move_line l JOIN account_account a ON a.id = l.account_id "
            "JOIN account_move m ON m.id = l.move_id JOIN res_partner p ON p.id = l.partner_id "
            "JOIN res_partner c ON c.id = p.commercial_partner_id "
            "LEFT JOIN LATERAL (SELECT sum(amount) AS amount FROM account_partial_reconcile "
            "WHERE debit_move_id = l.id) d ON true "
            "LEFT JOIN LATERAL (SELECT sum(amount) AS amount FROM account_partial_reconcile "
            "WHERE credit_move_id = l.id) k ON true "
            "WHERE m.state = 'posted' AND a.account_type = 'asset_receivable' "
            "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1").fetchone()
    _, (card, missing) = run(calls(("--env", "local"), [("odoo_get_partner", {"partner": str(partner_id)}),
                                                          ("odoo_get_partner", {"partner": "no such partner xyz"})]))
    found = ok(card)
    assert found["partner"]["name"] == name and found["latest_invoices"]
    assert found["open_receivable"] == pytest.approx(float(receivable), abs=0.01)
    assert "no partner has the id or a name containing 'no such partner xyz'" in error(missing)
    with psycopg.connect(state_dsn(environment("local"))) as conn:
        logged = conn.execute("SELECT arguments, outcome, error FROM ops.agent_calls WHERE tool = "
                              "'odoo_financial_summary' ORDER BY id DESC LIMIT 2").fetchall()
    assert [(a["date_from"], outcome) for a, outcome, _ in logged] == [("2025-12-31", "error"), ("2025-01-01", "ok")]
    assert "is after date_to" in logged[0][2]


def test_an_inbox_invoice_is_extracted_and_matched_to_its_odoo_bill(plane: Plane, marts_dsn: str) -> None:
    inbox = Path(os.environ["OCR_INBOX_DIR"])
    inbox.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(marts_dsn) as conn:
        bill_id, ref, total, vendor, vat = conn.execute(
            "SELECT m.id, m.ref, m.amount_total, p.name, p.vat FROM account_move m JOIN res_partner p "
            "ON p.id = m.commercial_partner_id WHERE m.move_type = 'in_invoice' AND m.state = 'posted' "
            "AND m.ref IS NOT NULL ORDER BY m.id LIMIT 1").fetchone()
    (inbox / "bill.json").write_text(json.dumps(invoice(ref, total, vendor=vendor, vat=vat)))
    (inbox / "blurry.json").write_text(json.dumps(invoice("X-1", "100.00", confidence=0.4)))
    _, (found, blurry, escape, absent) = run(calls(("--env", "local"), [
        ("ocr_extract_invoice", {"path": "bill.json"}), ("ocr_extract_invoice", {"path": "blurry.json"}),
        ("ocr_extract_invoice", {"path": "../../etc/passwd"}), ("ocr_extract_invoice", {"path": "none.pdf"})]))
    result = ok(found)
    assert (result["invoice"]["invoice_number"], result["invoice"]["vendor_name"]) == (ref, vendor)
    assert result["odoo_bill"]["id"] == bill_id and result["amount_difference"] == "0.00"
    assert "would quarantine it" in error(blurry) and "confidence" in error(blurry)
    assert "is not a file of the OCR inbox" in error(escape)
    assert "no such file in the OCR inbox" in error(absent)
    assert sorted(p.name for p in inbox.iterdir()) == ["bill.json", "blurry.json"], "nothing moved or loaded"


def test_lineage_runs_from_odoo_to_the_dashboard(plane: Plane) -> None:
    _, (down, up, ambiguous) = run(calls(("--env", "local"), [
        ("lineage_of", {"asset": "account_move_line"}), ("lineage_of", {"asset": "superset/dashboard/ar_aging"}),
        ("lineage_of", {"asset": "ar_aging"})]))
    downstream = ok(down)
    assert downstream["asset"] == "odoo/account_move_line"
    assert downstream["children"] == ["analytics/stg_odoo__account_move_lines"]
    assert {"warehouse/ar_aging", "superset/dataset/ar_aging", "superset/dashboard/ar_aging"} <= set(
        downstream["downstream"])
    assert {"odoo/account_move_line", "warehouse/ar_aging"} <= set(ok(up)["upstream"])
    assert "it names 3 assets: superset/dashboard/ar_aging, superset/dataset/ar_aging, warehouse/ar_aging" in \
        error(ambiguous)


def test_supabase_query_reads_and_nothing_else(plane: Plane) -> None:
    _, (rows, write, several, runaway, replica) = run(calls(("--env", "local"), [
        ("supabase_query", {"query": "SELECT tool, outcome FROM ops.agent_calls ORDER BY id LIMIT 5", "row_limit": 3}),
        ("supabase_query", {"query": "DELETE FROM ops.agent_calls"}),
        ("supabase_query", {"query": "SELECT 1; SELECT 2"}),
        ("supabase_query", {"query": "SELECT pg_sleep(30)"}),
        ("supabase_query", {"query": "SELECT count(*) FROM public.account_move_line"})]))
    found = ok(rows)
    assert found["columns"] == ["tool", "outcome"] and found["row_count"] == 3 and found["truncated"]
    assert "not DELETE" in error(write) and "one statement per call" in error(several)
    assert "ran longer than 10 s and was stopped" in error(runaway)
    assert "public.account_move_line: only the schemas" in error(replica)
    agent = environment("local").value("supabase", "agent_url")  # and the database refuses on its own
    with psycopg.connect(agent, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("DELETE FROM ops.agent_calls")
        conn.execute("SET default_transaction_read_only = off")  # a session may lift its default; the grants hold
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM ops.agent_calls")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM public.account_move_line")


def test_http_needs_the_bearer_token(plane: Plane) -> None:
    refused = subprocess.run([HYBRID, "mcp", "serve", "--http", "--port", str(free_port())],
                             env=environ(HYBRID_MCP_TOKEN=""), capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode == 3 and "HYBRID_MCP_TOKEN is unset" in refused.stderr
    token, port = secrets.token_hex(16), free_port()
    server = subprocess.Popen([HYBRID, "mcp", "serve", "--env", "local", "--http", "--port", str(port)],
                              env=environ(HYBRID_MCP_TOKEN=token), stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        for _ in range(120):
            try:
                status = httpx.post(url, json={}, timeout=2).status_code
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert status == 401
        assert httpx.post(url, json={}, headers={"Authorization": "Bearer wrong"}, timeout=5).status_code == 401

        async def listed() -> set[str]:
            async with create_mcp_http_client(headers={"Authorization": f"Bearer {token}"}) as http, \
                    streamable_http_client(url, http_client=http) as (read, write), \
                    ClientSession(read, write) as session:
                await session.initialize()
                return {tool.name for tool in (await session.list_tools()).tools}

        assert run(listed()) == READ_TOOLS | WRITE_TOOLS
    finally:
        server.terminate()
        server.wait(timeout=30)
    with psycopg.connect(state_dsn(environment("local"))) as conn:
        assert conn.execute("SELECT count(*) FROM ops.agent_calls WHERE arguments::text LIKE %s",
                            (f"%{token}%",)).fetchone() == (0,)
