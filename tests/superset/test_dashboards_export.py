"""export adopts a dashboard made outside the code (here through the API, as the UI would) as templates that
validate, compile and apply back onto the same kind of objects; and a Dagster materialization applies and
refreshes one dashboard, reporting its URL, changed_on and chart count."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
import yaml
from click.testing import CliRunner
from dagster import AssetKey, materialize

from dagster_project.cli.main import cli
from dagster_project.superset.assets import build_superset_assets
from dagster_project.superset.control import apply, environment, plan, state_dsn
from dagster_project.superset.defs import build_drift_job
from dagster_project.superset.live import list_live
from tests.superset.conftest import RunningSuperset
from tests.superset.dashboards import Plane, private_plane

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def plane(superset: RunningSuperset, marts_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plane]:
    target = tmp_path_factory.mktemp("export") / "superset_assets"
    with pytest.MonkeyPatch.context() as mp, private_plane(superset, target, mp, "export") as p:
        yield p


def _hand_made_dashboard(plane: Plane) -> None:
    """A pie on the managed ar_aging dataset and a dashboard holding it, made by hand."""
    bundle = plane.bundle()
    with plane.superset.client() as client:
        live = list_live(client)
        dataset = live[next(o.uuid for o in bundle.of("dataset") if o.name == "ar_aging")]
        params = {"viz_type": "pie", "metric": "open_items", "groupby": ["partner_name"], "row_limit": 10,
                  "adhoc_filters": [
                      {"clause": "WHERE", "subject": "as_of_date", "operator": "TEMPORAL_RANGE",
                       "comparator": "No filter", "expressionType": "SIMPLE"},
                      {"clause": "WHERE", "subject": "aging_bucket", "operator": "NOT IN",
                       "comparator": ["current"], "expressionType": "SIMPLE"},
                      {"clause": "WHERE", "sqlExpression": "residual_amount > 0", "expressionType": "SQL"}]}
        chart_id = client.create("chart", {"slice_name": "Open items by partner", "viz_type": "pie",
                                           "datasource_id": dataset.id, "datasource_type": "table",
                                           "params": json.dumps(params)}, "hand chart")
        chart_uuid = {row["id"]: row["uuid"] for row in client.list("chart", columns=["uuid"])}[chart_id]
        position = {
            "DASHBOARD_VERSION_KEY": "v2", "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
            "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": ["ROW-a"], "parents": ["ROOT_ID"]},
            "ROW-a": {"type": "ROW", "id": "ROW-a", "children": ["CHART-a"], "parents": ["ROOT_ID", "GRID_ID"],
                      "meta": {"background": "BACKGROUND_TRANSPARENT"}},
            "CHART-a": {"type": "CHART", "id": "CHART-a", "children": [], "parents": ["ROOT_ID", "GRID_ID", "ROW-a"],
                        "meta": {"chartId": chart_id, "uuid": chart_uuid, "width": 6, "height": 50}},
        }
        dashboard_id = client.create("dashboard", {"dashboard_title": "Partner watch", "slug": "partner-watch",
                                                   "position_json": json.dumps(position)}, "hand dashboard")
        client.update("chart", chart_id, {"dashboards": [dashboard_id]}, "hand chart")


def test_export_adopts_a_hand_made_dashboard_as_templates(plane: Plane) -> None:
    apply(environment("local"), plane.bundle())
    _hand_made_dashboard(plane)
    result = CliRunner().invoke(cli, ["export", "--env", "local", "--dashboard", "partner-watch", "--output", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    written = {path.split("superset_assets/")[1] for path in document["written"]}
    assert document["warnings"] == ["chart 'Open items by partner': filter 'residual_amount > 0' left out (only "
                                    "simple WHERE filters are adopted; add it to `filters:`)"]
    assert written == {"charts/open_items_by_partner.yaml", "dashboards/partner_watch.yaml"}, "ar_aging is reused"
    chart = yaml.safe_load((plane.assets / "charts" / "open_items_by_partner.yaml").read_text()
                           .replace("[[ cache.chart ]]", "0"))
    assert chart | {"cache_timeout": 0} == {"title": "Open items by partner", "dataset": "ar_aging", "viz_type": "pie",
                                            "metrics": ["open_items"], "groupby": ["partner_name"], "row_limit": 10,
                                            "cache_timeout": 0,
                                            "filters": [{"column": "aging_bucket", "op": "NOT IN",
                                                         "value": ["current"]}]}
    assert CliRunner().invoke(cli, ["validate", "--env", "local"]).exit_code == 0
    applied = apply(environment("local"), plane.bundle())
    adopted = next(o for o in plane.bundle().of("dashboard") if o.name == "partner_watch")
    assert adopted.uuid in applied.live and plan(environment("local"), plane.bundle()).changes == []


def test_materializing_a_dashboard_asset_applies_and_refreshes_it(plane: Plane) -> None:
    key = AssetKey(["superset", "dashboard", "ar_aging"])
    result = materialize([build_superset_assets(environment("local"))], selection=[key])
    assert result.success
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    metadata = event.materialization.metadata
    assert metadata["chart_count"].value == 4 and metadata["changed_on"].value
    assert "/superset/dashboard/" in metadata["url"].value


def test_the_drift_job_logs_to_ops_and_reports_the_status(plane: Plane) -> None:
    result = build_drift_job(environment("local")).execute_in_process()
    assert result.success and result.output_for_node("drift_plan_and_alert") == "NO_DRIFT"
    with psycopg.connect(state_dsn(environment("local"))) as conn:
        [(status,)] = conn.execute("SELECT status FROM ops.drift_log WHERE env = 'local' ORDER BY id DESC LIMIT 1")
    assert status == "NO_DRIFT"
