"""The webhook service as its callers see it: `hybrid webhooks serve` on a real port, called with httpx, over
the real stack: a warehouse database of its own (seeded Odoo tables, dbt marts, ops and ocr schemas), the
session's Superset with this module's private dashboards, and a Dagster webserver of its own that launches
each run at once (DefaultRunCoordinator; no daemon, so no tick or sensor does what the service did).

No Mattermost server can run here: a local HTTP listener (tests/webhook.py) stands in for the slash
command's response_url, and the form fields are the ones Mattermost sends.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from dulwich.repo import Repo

from dagster_project import paths
from dagster_project.config.branch import checkout_folder
from dagster_project.odoo.generator.events import post_draft
from dagster_project.odoo.generator.session import open_session
from dagster_project.ops import launcher
from dagster_project.stack.process import BackgroundProcess, ProcessSpec
from dagster_project.stack.scratch import free_port
from dagster_project.superset import control
from dagster_project.superset.live import list_live
from dagster_project.webhooks import signing
from tests.dbt.helpers import seeded_warehouse
from tests.dbt.ocr_invoices import plant_ocr_invoices
from tests.gitrepo import committed_repo
from tests.ocr.helpers import invoice
from tests.superset.conftest import RunningSuperset
from tests.superset.dagster_web import own_webserver
from tests.superset.dashboards import Plane, private_plane
from tests.warehouse_env import warehouse_variables
from tests.webhook import Webhook, listening_webhook

pytestmark = pytest.mark.stack
HYBRID = str(Path(sys.executable).parent / "hybrid")
SECRET = "webhook-test-secret-0123456789abcdef"
SLASH_TOKEN = "slash-token-for-tests"
LABEL = "hooks"


@dataclass
class Hooks:
    url: str
    dsn: str  # the warehouse (every job role's variable points at it)
    plane: Plane
    repo: Path
    inbox: Path

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.post(self.url + path, content=body, headers=headers or {}, timeout=30)

    def signed(self, path: str, document: Any, now: float | None = None) -> httpx.Response:
        body = json.dumps(document).encode()
        return self.post(path, body, {"Content-Type": "application/json",
                                      **signing.signed_headers(SECRET.encode(), body, now)})

    def slash(self, command: str, text: str, response_url: str, token: str = SLASH_TOKEN) -> httpx.Response:
        form = {"token": token, "team_id": "t1", "team_domain": "finance", "channel_id": "c1",
                "channel_name": "finance-reports", "user_id": "u1", "user_name": "alice", "command": command,
                "text": text, "response_url": response_url, "trigger_id": "x"}
        return httpx.post(self.url + "/webhooks/mattermost-command", data=form, timeout=30)

    def rows(self, query: str, *args: Any) -> list[tuple]:
        with psycopg.connect(self.dsn) as conn:
            return conn.execute(query, args).fetchall()


@pytest.fixture(scope="module")
def hooks(superset: RunningSuperset, marts_dsn: str, make_database, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Hooks]:
    root = tmp_path_factory.mktemp("webhooks")
    warehouse = seeded_warehouse(make_database, "webhook_marts", root / "dbt", dt.date.today())
    plant_ocr_invoices(warehouse.dsn)
    built = warehouse.dbt("run")
    assert built.returncode == 0, built.output[-3000:]
    with pytest.MonkeyPatch.context() as mp, private_plane(superset, root / "superset_assets", mp, LABEL) as plane:
        for variable, value in warehouse_variables(warehouse.dsn).items():
            mp.setenv(variable, value)
        repo = root / "repo"
        shutil.copytree(plane.assets, repo / "superset_assets")
        committed_repo(repo)
        mp.setenv("HYBRID_BRANCH_REPO", str(repo))
        mp.setenv("HYBRID_DBT_MANIFEST", str(paths.PROJECT_ROOT / "dbt" / "target" / "manifest.json"))
        mp.setenv("OCR_INBOX_DIR", str(root / "ocr" / "inbox"))
        mp.setenv("OCR_SETTLE_SECONDS", "0")
        mp.setenv("HYBRID_WEBHOOK_SECRET", SECRET)
        mp.setenv("MATTERMOST_SLASH_TOKEN", SLASH_TOKEN)
        mp.delenv("MATTERMOST_WEBHOOK_URL", raising=False)
        control.apply(control.environment("local"), plane.bundle())  # the apply record lands in this warehouse
        home = root / "dagster_home"
        home.mkdir()
        webserver = own_webserver(superset.stack, home, mp, warehouse_variables(warehouse.dsn))
        port = free_port()
        service = BackgroundProcess(ProcessSpec(
            "webhooks-test", [HYBRID, "webhooks", "serve", "--env", "local", "--port", str(port)], {},
            paths.PROJECT_ROOT, ready_url=f"http://127.0.0.1:{port}/health"), superset.stack.state_dir)
        try:
            webserver.start(progress=lambda _: None)
            service.start(progress=lambda _: None)
            yield Hooks(f"http://127.0.0.1:{port}", warehouse.dsn, plane, repo, root / "ocr" / "inbox")
        finally:
            service.stop()
            webserver.stop()


def _finished(run_id: str, timeout: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = launcher.run_status(run_id)
        if status["finished"]:
            return status
        time.sleep(1)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s: {status}")


def _calls(hooks: Hooks, endpoint: str) -> list[tuple[str, int]]:
    return [tuple(r) for r in hooks.rows("SELECT outcome, status FROM ops.webhook_calls WHERE endpoint = %s "
                                         "ORDER BY id", endpoint)]


def test_a_signed_ocr_callback_loads_one_document_and_a_repeat_loads_none(hooks: Hooks) -> None:
    document = {"job_id": "ocr-job-4711", "document": invoice("WH-4711", "2240.00")}
    first = hooks.signed("/webhooks/ocr-complete", document)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["duplicate"] is False and answer["files"] == ["ocr-job-4711.json"]
    status = _finished(answer["run_id"])
    assert status["status"] == "SUCCESS", status
    assert status["tags"]["hybrid/launched_by"] == "webhook"
    again = hooks.signed("/webhooks/ocr-complete", document)
    assert again.status_code == 200 and again.json() == {"job_id": "ocr-job-4711", "duplicate": True,
                                                         "run_id": answer["run_id"]}
    assert hooks.rows("SELECT amount_total FROM ocr.invoices WHERE invoice_number = 'WH-4711'") == [
        (pytest.approx(2240),)]
    runs = launcher.runs({"hybrid/caller": "webhook:ocr-complete"})
    assert [r["run_id"] for r in runs] == [answer["run_id"]], "the repeat launched nothing"
    assert _calls(hooks, "ocr-complete")[-2:] == [("ok", 200), ("duplicate", 200)]


def test_unsigned_forged_replayed_oversized_and_malformed_calls_are_refused_and_write_nothing(hooks: Hooks) -> None:
    path = "/webhooks/ocr-complete"
    good = json.dumps({"job_id": "never-loaded", "document": invoice("WH-0", "1.00")}).encode()
    before = (hooks.rows("SELECT count(*) FROM ops.webhook_deliveries"), launcher.runs({}, limit=100))
    claimed = sorted(p.name for p in (hooks.inbox / ".claimed").iterdir())
    stale = signing.signed_headers(SECRET.encode(), good, now=time.time() - 301)
    huge = json.dumps({"job_id": "big", "document": {"pad": "x" * (1 << 20)}}).encode()
    answers = [
        hooks.post(path, good),
        hooks.post(path, good, signing.signed_headers(b"not-the-secret-at-all", good)),
        hooks.post(path, good, stale),
        hooks.post(path, huge, signing.signed_headers(SECRET.encode(), huge)),
        hooks.post(path, b"{not json", signing.signed_headers(SECRET.encode(), b"{not json")),
        hooks.signed(path, {"document": {"vendor": "x"}}),
        hooks.signed(path, {"job_id": "../../etc/passwd", "document": {}}),
        hooks.signed("/webhooks/odoo-invoice", {"_model": "res.partner", "_id": 3}),
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 413, 422, 422, 422, 422]
    assert "missing X-Hybrid-Timestamp" in answers[0].json()["error"]
    assert "does not match the body" in answers[1].json()["error"]
    assert "more than 300 s from now" in answers[2].json()["error"]
    assert [f["field"] for f in answers[5].json()["fields"]] == ["job_id"]
    assert [f["field"] for f in answers[6].json()["fields"]] == ["job_id"]
    assert [f["field"] for f in answers[7].json()["fields"]] == ["_model"]
    assert (hooks.rows("SELECT count(*) FROM ops.webhook_deliveries"), launcher.runs({}, limit=100)) == before
    assert sorted(p.name for p in (hooks.inbox / ".claimed").iterdir()) == claimed
    assert _calls(hooks, "ocr-complete")[-7:] == [("refused", s) for s in (401, 401, 401, 413, 422, 422, 422)]
    logged = json.dumps(hooks.rows("SELECT detail FROM ops.webhook_calls"), default=str)
    assert SECRET not in logged and SLASH_TOKEN not in logged


def test_the_odoo_webhook_rebuilds_the_marts_now_and_a_burst_is_one_run(hooks: Hooks) -> None:
    with psycopg.connect(hooks.dsn) as conn:  # Odoo posts a draft invoice; the replica holds the same rows
        move_id = post_draft(open_session(conn, random.Random(7), dt.date.today()))
        conn.commit()
    assert move_id is not None
    assert hooks.rows("SELECT state FROM warehouse.fct_invoices WHERE invoice_id = %s", move_id) == [("draft",)]
    event = {"_model": "account.move", "_id": move_id, "_action": "Send Webhook Notification(#7)",
             "name": "INV/2026/0001", "state": "posted"}
    first = hooks.signed("/webhooks/odoo-invoice", event)
    assert first.status_code == 200, first.text
    with ThreadPoolExecutor(4) as pool:
        burst = list(pool.map(lambda _: hooks.signed("/webhooks/odoo-invoice", event), range(4)))
    run_id = first.json()["run_id"]
    assert first.json()["collapsed"] is False
    assert [(b.status_code, b.json()["collapsed"], b.json()["run_id"]) for b in burst] == [(200, True, run_id)] * 4
    status = _finished(run_id)
    assert status["status"] == "SUCCESS", status
    assert status["tags"] == {"hybrid/refresh": "odoo-invoice", "hybrid/caller": "webhook:odoo-invoice",
                              "hybrid/launched_by": "webhook", "hybrid/move": str(move_id)}
    assert hooks.rows("SELECT state FROM warehouse.fct_invoices WHERE invoice_id = %s", move_id) == [("posted",)]
    assert [r["run_id"] for r in launcher.runs({"hybrid/refresh": "odoo-invoice"})] == [run_id]
    assert _calls(hooks, "odoo-invoice")[-5:] == [("ok", 200)] + [("collapsed", 200)] * 4


def _replies(receiver: Webhook, count: int, timeout: float = 600) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(receiver.received) >= count, receiver.received
    return receiver.received


def _run_of(answer: httpx.Response) -> str:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["response_type"] == "ephemeral" and body["run_id"] in body["text"]
    assert not launcher.run_status(body["run_id"])["finished"], "the answer does not wait for the work"
    return body["run_id"]


def test_slash_commands_answer_at_once_and_post_their_result_to_the_response_url(hooks: Hooks) -> None:
    with listening_webhook("/hooks/commands/abc") as receiver:
        helped = hooks.slash("/help", "", receiver.url)
        refused = hooks.slash("/plan", "", receiver.url, token="wrong")
        unknown = hooks.slash("/hybrid", "reboot-everything", receiver.url)
        nowhere = hooks.slash("/plan", "nowhere", receiver.url)
        runs = [_run_of(hooks.slash(command, text, receiver.url))
                for command, text in (("/health", "local"), ("/plan", ""), ("/drift-check", "local"))]
        for run_id in runs:
            assert _finished(run_id)["status"] == "SUCCESS"
        replies = _replies(receiver, 3)
    assert helped.status_code == 200 and "/create-dashboard <words>" in helped.json()["text"]
    assert refused.status_code == 401 and "does not match MATTERMOST_SLASH_TOKEN" in refused.json()["error"]
    assert "unknown command `/reboot-everything`" in unknown.json()["text"]
    assert "`/plan`: " in nowhere.json()["text"] and "staging" in nowhere.json()["text"], "the known environments"
    assert "run_id" not in nowhere.json(), "nothing launched for words that cannot work"
    health, plan, drift = (next(r["text"] for r in replies if key in r["text"])
                           for key in ("Health of local", "Plan for local", "local: NO_DRIFT"))
    assert health.splitlines()[0] == "**Health of local: healthy**" and "- supabase warehouse: ok (SELECT 1)" in health
    assert "0 to create, 0 to update, 0 to delete" in plan
    assert "NO_DRIFT in local" in drift
    assert [r["response_type"] for r in replies] == ["in_channel"] * 3
    assert hooks.rows("SELECT count(*) FROM ops.chat_replies") == [(0,)], "each reply slot used once"
    assert [r[0] for r in hooks.rows("SELECT status FROM ops.webhook_calls WHERE endpoint = 'mattermost-command' "
                                     "ORDER BY id")][-7:] == [200, 401, 200, 200, 200, 200, 200]


def _hand_made_dashboard(plane: Plane) -> str:
    """A bar chart on the managed ar_aging dataset and a dashboard holding it, made as a user would in the UI."""
    bundle = plane.bundle()
    with plane.superset.client() as client:
        live = list_live(client)
        dataset = live[next(o.uuid for o in bundle.of("dataset") if o.name == "ar_aging")]
        params = {"viz_type": "table", "metrics": ["open_items"], "groupby": ["aging_bucket"], "row_limit": 10}
        chart = client.create("chart", {"slice_name": "Open items by bucket (hooks)", "viz_type": "table",
                                        "datasource_id": dataset.id, "datasource_type": "table",
                                        "params": json.dumps(params)}, "hand chart")
        uuid = next(row["uuid"] for row in client.list("chart", columns=["uuid"]) if row["id"] == chart)
        position = {
            "DASHBOARD_VERSION_KEY": "v2", "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
            "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": ["ROW-a"], "parents": ["ROOT_ID"]},
            "ROW-a": {"type": "ROW", "id": "ROW-a", "children": ["CHART-a"], "parents": ["ROOT_ID", "GRID_ID"],
                      "meta": {"background": "BACKGROUND_TRANSPARENT"}},
            "CHART-a": {"type": "CHART", "id": "CHART-a", "children": [], "parents": ["ROOT_ID", "GRID_ID", "ROW-a"],
                        "meta": {"chartId": chart, "uuid": uuid, "width": 6, "height": 50}}}
        board = client.create("dashboard", {"dashboard_title": "Hooks watch", "slug": "hooks-watch",
                                            "position_json": json.dumps(position)}, "hand dashboard")
        client.update("chart", chart, {"dashboards": [board]}, "hand chart")
        return next(row.uuid for row in list_live(client).values() if (row.kind, row.id) == ("dashboard", board))


def test_export_dashboard_leaves_a_branch_whose_plan_only_adopts_the_dashboard(hooks: Hooks, tmp_path: Path) -> None:
    board = _hand_made_dashboard(hooks.plane)
    with Repo(str(hooks.repo)) as repo:
        head = repo.head()
    with listening_webhook("/hooks/commands/export") as receiver:
        run_id = _run_of(hooks.slash("/export-dashboard", "hooks-watch local", receiver.url))
        assert _finished(run_id)["status"] == "SUCCESS"
        (reply,) = _replies(receiver, 1)
    branch = reply["text"].split("branch `")[1].split("`")[0]
    assert branch.startswith("export/hooks-watch-")
    assert "superset_assets/dashboards/hooks_watch.yaml" in reply["text"]
    assert "superset_assets/charts/open_items_by_bucket_hooks.yaml" in reply["text"]
    with Repo(str(hooks.repo)) as repo:
        assert repo.head() == head, "the checkout's branch did not move"
        tip = repo.refs[b"refs/heads/" + branch.encode()]
        assert repo[tip].parents == [head]
    assets = checkout_folder(hooks.repo, "superset_assets", tmp_path, ref=branch)  # the branch, as a reviewer reads it
    env = control.environment("local")
    plan = control.plan(env, control.build(env, assets=assets))
    ours = [c for c in plan.changes if c.uuid == board]
    assert [(c.action, c.content_fields) for c in ours] == [("adopt", ())], plan.text()
    assert {c.action for c in plan.changes} == {"adopt"}, "nothing else changes"


def test_create_dashboard_makes_a_dashboard_whose_charts_return_rows(hooks: Hooks) -> None:
    with listening_webhook("/hooks/commands/create") as receiver:
        run_id = _run_of(hooks.slash("/create-dashboard", "ar aging by partner", receiver.url))
        assert _finished(run_id)["status"] == "SUCCESS"
        missed = hooks.slash("/create-dashboard", "weather in manila", receiver.url)
        (made,) = _replies(receiver, 1)
    refused = missed.json()
    assert missed.status_code == 200 and refused["response_type"] == "ephemeral" and "run_id" not in refused
    slug = f"ar-aging-by-partner-{LABEL}-local"
    assert f"/superset/dashboard/{slug}/" in made["text"]
    assert "From warehouse.ar_aging: residual_amount, item_count by partner_name." in made["text"]
    assert "no mart matches 'weather in manila'" in refused["text"] and "trial_balance" in refused["text"]
    with hooks.plane.superset.client() as client:
        (board,) = client.list("dashboard", filters=[("slug", "eq", slug)])
        charts = client.request("GET", f"/api/v1/dashboard/{board['id']}/charts", "charts").json()["result"]
        rows = {chart["slice_name"]: len(client.chart_data(chart["id"])["result"][0]["data"]) for chart in charts}
    assert len(rows) == 3 and all(count > 0 for count in rows.values()), rows
    with Repo(str(hooks.repo)) as repo:
        branches = [ref.decode() for ref in repo.refs.keys(base=b"refs/heads/dashboard/")]
    assert len(branches) == 1 and branches[0].startswith("ar-aging-by-partner-")
