"""drift-plan, prune and promote against a real Superset: out-of-band API edits are reported with the object
and the field, a hand-made dashboard is ignored, prune deletes what code dropped, promote stops on drift.

Two environments share the test session's one Superset (a second Superset would double the start-up
cost): `local` and `staging` are two values files with their own namespaces, database names and slugs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from dagster_project.cli.main import cli
from dagster_project.superset.control import apply, drift, environment, plan
from dagster_project.superset.live import list_live
from dagster_project.superset.promote import promote
from tests.superset.conftest import RunningSuperset
from tests.superset.dashboards import Plane, private_plane

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def plane(superset: RunningSuperset, marts_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plane]:
    target = tmp_path_factory.mktemp("drift") / "superset_assets"
    with pytest.MonkeyPatch.context() as mp, private_plane(superset, target, mp, "drift", ("local", "staging")) as p:
        yield p


def _ids(plane: Plane, env: str = "local") -> dict[str, int]:
    bundle = plane.bundle(env)
    with plane.superset.client() as client:
        live = list_live(client)
    return {obj.name: live[obj.uuid].id for obj in bundle.objects if obj.uuid in live}


def _drift_json() -> dict:
    result = CliRunner().invoke(cli, ["drift-plan", "--env", "local", "--output", "json"])
    document = json.loads(result.stdout)
    assert result.exit_code == (1 if document["status"] == "DRIFT_FOUND" else 0), result.output
    return document


def test_api_edits_are_drift_with_object_and_field(plane: Plane) -> None:
    apply(environment("local"), plane.bundle())
    document = _drift_json()
    assert document.pop("baseline")["bundle_hash"], "drift names the apply it compares with"
    assert document == {"status": "NO_DRIFT", "env": "local", "changes": []}
    ids = _ids(plane)
    with plane.superset.client() as client:
        client.update("chart", ids["ar_by_bucket"], {"slice_name": "AR by bucket (edited)"}, "ar_by_bucket")
        params = json.loads(client.get("chart", ids["ap_by_bucket"])["params"])
        client.update("chart", ids["ap_by_bucket"], {"params": json.dumps({**params, "metrics": ["open_items"]})},
                      "ap_by_bucket")
        client.delete("chart", ids["tb_debits"])
        position = json.loads(client.get("dashboard", ids["expense_analytics"])["position_json"])
        position["CHART-expenses_total"]["meta"]["width"] = 6
        client.update("dashboard", ids["expense_analytics"], {"position_json": json.dumps(position)}, "layout")
        client.create("dashboard", {"dashboard_title": "Made by hand", "slug": "made-by-hand-drift"}, "by hand")
    document = _drift_json()
    assert document["status"] == "DRIFT_FOUND"
    found = {(c["type"], c["logical_name"], c["action"]): [f["path"] for f in c["fields"]] for c in document["changes"]}
    assert found == {
        ("chart", "ar_by_bucket", "modified"): ["slice_name"],
        ("chart", "ap_by_bucket", "modified"): ["params.metrics"],
        ("chart", "tb_debits", "deleted"): [],
        ("dashboard", "expense_analytics", "modified"): ["position.CHART-expenses_total.meta.width"],
    }, "the hand-made dashboard is not managed and so never drift"


def test_plan_shows_the_way_back_and_apply_restores(plane: Plane) -> None:
    current = plan(environment("local"), plane.bundle())
    assert {(c.action, c.name) for c in current.changes} == {
        ("create", "tb_debits"), ("update", "ar_by_bucket"), ("update", "ap_by_bucket"),
        ("update", "expense_analytics")}
    assert current.exported == 3  # only the changed objects were exported
    apply(environment("local"), plane.bundle())
    assert drift(environment("local")).status == "NO_DRIFT"
    assert plan(environment("local"), plane.bundle()).changes == []


def test_prune_deletes_a_chart_removed_from_code(plane: Plane) -> None:
    (plane.assets / "charts" / "ar_bucket_share.yaml").unlink()
    dashboard = plane.assets / "dashboards" / "ar_aging.yaml"
    dashboard.write_text(dashboard.read_text().replace("{chart: ar_bucket_share, width: 4}, ", ""))
    doomed = _ids(plane)["ar_bucket_share"] if "ar_bucket_share" in _ids(plane) else None
    current = plan(environment("local"), plane.bundle())
    assert [(c.action, c.kind, c.title) for c in current.changes if c.action == "delete"] == \
        [("delete", "chart", "AR share by bucket")]
    apply(environment("local"), plane.bundle(), prune=True)
    with plane.superset.client() as client:
        assert client.find_by_uuid("chart", next(c.uuid for c in current.changes if c.action == "delete")) is None
        assert doomed is None or all(row["id"] != doomed for row in client.list("chart", columns=["uuid"]))
        assert client.list("dashboard", filters=[("slug", "eq", "made-by-hand-drift")]), "hand-made kept"
    assert plan(environment("local"), plane.bundle()).changes == []


def test_promote_stops_at_an_environment_with_drift(plane: Plane) -> None:
    first = promote(["local", "staging"])
    assert [s.status for s in first.steps] == ["applied", "applied"]
    staging_chart = _ids(plane, "staging")["revenue_by_month"]
    with plane.superset.client() as client:
        client.update("chart", staging_chart, {"slice_name": "Revenue (edited in staging)"}, "revenue_by_month")
    second = promote(["local", "staging"])
    assert [s.status for s in second.steps] == ["applied", "drift"] and second.stopped_at == "staging"
    assert second.steps[1].drift["changes"][0]["fields"][0]["path"] == "slice_name"
