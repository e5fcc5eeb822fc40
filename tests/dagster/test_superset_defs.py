"""The Superset part of the loaded code location: datasets downstream of their marts, dashboards downstream of
their datasets, drift as asset checks, the 6-hourly drift check and the 02:30 refresh after the marts."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from dagster import AssetKey, DefaultScheduleStatus, Definitions

from dagster_project.definitions import defs
from dagster_project.superset.drift import DriftReport
from dagster_project.superset.notify import notify_drift

GRAPH = defs.resolve_asset_graph()


def _parents(*path: str) -> set[AssetKey]:
    return set(GRAPH.get(AssetKey(list(path))).parent_keys)


def test_datasets_are_downstream_of_their_marts() -> None:
    for mart in ("ar_aging", "ap_aging", "trial_balance", "revenue_monthly", "expenses_monthly", "cash_position",
                 "income_statement_monthly"):
        assert _parents("superset", "dataset", mart) == {AssetKey(["warehouse", mart])}


def test_dashboards_are_downstream_of_their_datasets() -> None:
    assert _parents("superset", "dashboard", "ar_aging") == {AssetKey(["superset", "dataset", "ar_aging"])}
    assert _parents("superset", "dashboard", "income_statement") == {
        AssetKey(["superset", "dataset", name]) for name in ("income_statement_monthly", "expenses_monthly")}
    datasets = ("revenue_monthly", "ar_aging", "ap_aging", "cash_position")
    assert _parents("superset", "dashboard", "finance_overview") == {
        AssetKey(["superset", "dataset", name]) for name in datasets}


def test_lineage_runs_from_odoo_to_the_dashboard() -> None:
    seen: set[AssetKey] = set()
    frontier = {AssetKey(["superset", "dashboard", "ar_aging"])}
    while frontier:
        seen |= frontier
        frontier = {p for k in frontier for p in GRAPH.get(k).parent_keys} - seen
    assert AssetKey(["odoo", "account_move_line"]) in seen


def test_every_superset_asset_has_a_drift_check() -> None:
    keys = [k for k in GRAPH.get_all_asset_keys() if k.path[0] == "superset"]
    checks = {(c.asset_key, c.name) for c in GRAPH.asset_check_keys}
    assert len(keys) == 16 and all((k, "superset_drift") in checks for k in keys)


def test_the_drift_and_refresh_schedules_start_running() -> None:
    """When they fire (6-hourly; after the nightly marts): test_schedule_calendar.py."""
    schedules = {s.name: s for s in defs.schedules}
    assert schedules["drift_check"].default_status == DefaultScheduleStatus.RUNNING
    assert schedules["superset_nightly_refresh"].default_status == DefaultScheduleStatus.RUNNING


def test_drift_alert_is_posted_to_mattermost_or_logged(caplog) -> None:
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.handle_request, daemon=True).start()
    report = DriftReport("staging", [{"type": "chart", "name": "AR by bucket", "action": "modified",
                                      "fields": [{"path": "slice_name"}]}])
    assert notify_drift(report, f"http://127.0.0.1:{server.server_port}/hooks/x")
    server.server_close()
    assert "AR by bucket" in received[0]["text"] and "slice_name" in received[0]["text"]
    assert not notify_drift(report, webhook="") and "drift alert logged only" in caplog.text
    assert not notify_drift(DriftReport("staging"))


def test_the_code_location_with_superset_is_loadable() -> None:
    Definitions.validate_loadable(defs)
    assert defs.get_job_def("superset_drift_check").has_node_named("drift_plan_and_alert")
