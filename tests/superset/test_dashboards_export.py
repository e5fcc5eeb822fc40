"""export adopts a dashboard made outside the code (here through the API, as the UI would), run from a second
clone on a feature branch: templates bound to the live objects, the plan right after it shows only the
adoption, apply makes them managed in place, and main's checkout is told who applied last. Also: a Dagster
materialization applies and refreshes one dashboard, reporting its URL, changed_on and chart count."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import yaml
from dagster import AssetKey, materialize
from dulwich import porcelain

from dagster_project import paths
from dagster_project.superset.assets import build_superset_assets
from dagster_project.superset.control import apply, drift, environment, plan, state_dsn
from dagster_project.superset.defs import build_drift_job
from dagster_project.superset.live import list_live, ownership
from tests.superset.conftest import RunningSuperset
from tests.superset.dashboards import Plane, private_plane

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def plane(superset: RunningSuperset, marts_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plane]:
    target = tmp_path_factory.mktemp("export") / "superset_assets"
    with pytest.MonkeyPatch.context() as mp, private_plane(superset, target, mp, "export") as p:
        yield p


PIE_PARAMS = {"viz_type": "pie", "metric": "open_items", "groupby": ["partner_name"], "row_limit": 10,
              "donut": False, "adhoc_filters": [
                  {"clause": "WHERE", "subject": "as_of_date", "operator": "TEMPORAL_RANGE",
                   "comparator": "No filter", "expressionType": "SIMPLE"},
                  {"clause": "WHERE", "subject": "aging_bucket", "operator": "NOT IN",
                   "comparator": ["current"], "expressionType": "SIMPLE"},
                  {"clause": "WHERE", "sqlExpression": "residual_amount > 0", "expressionType": "SQL"}]}
COUNT_PARAMS = {"viz_type": "big_number_total", "metric": {"expressionType": "SQL", "sqlExpression": "COUNT(*)",
                                                           "label": "Invoices"}}


def _hand_made_dashboard(plane: Plane) -> dict[str, str]:
    """As a user would in the UI: a pie on the managed ar_aging dataset, a new dataset on warehouse.fct_invoices
    with a big number on it (an ad-hoc metric), and a dashboard holding both. Returns kind -> uuid."""
    bundle = plane.bundle()
    with plane.superset.client() as client:
        live = list_live(client)
        dataset = live[next(o.uuid for o in bundle.of("dataset") if o.name == "ar_aging")]
        database = live[next(o.uuid for o in bundle.of("database"))]
        invoices = client.create("dataset", {"database": database.id, "schema": "warehouse",
                                             "table_name": "fct_invoices"}, "hand dataset")
        pie = client.create("chart", {"slice_name": "Open items by partner", "viz_type": "pie",
                                      "datasource_id": dataset.id, "datasource_type": "table",
                                      "params": json.dumps(PIE_PARAMS)}, "hand chart")
        count = client.create("chart", {"slice_name": "Invoices counted", "viz_type": "big_number_total",
                                        "datasource_id": invoices, "datasource_type": "table",
                                        "params": json.dumps(COUNT_PARAMS)}, "hand chart")
        uuids = {row["id"]: row["uuid"] for row in client.list("chart", columns=["uuid"])}
        cells = {"CHART-a": (pie, 6), "CHART-b": (count, 3)}
        position = {
            "DASHBOARD_VERSION_KEY": "v2", "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
            "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": ["ROW-a"], "parents": ["ROOT_ID"]},
            "ROW-a": {"type": "ROW", "id": "ROW-a", "children": list(cells), "parents": ["ROOT_ID", "GRID_ID"],
                      "meta": {"background": "BACKGROUND_TRANSPARENT"}},
            **{cell: {"type": "CHART", "id": cell, "children": [], "parents": ["ROOT_ID", "GRID_ID", "ROW-a"],
                      "meta": {"chartId": pk, "uuid": uuids[pk], "width": width, "height": 50}}
               for cell, (pk, width) in cells.items()},
        }
        board = client.create("dashboard", {"dashboard_title": "Partner watch", "slug": "partner-watch",
                                            "position_json": json.dumps(position)}, "hand dashboard")
        for pk in (pie, count):
            client.update("chart", pk, {"dashboards": [board]}, "hand chart")
        live = list_live(client)
    by_id = {(row.kind, row.id): row.uuid for row in live.values()}
    return {"dashboard": by_id["dashboard", board], "pie": by_id["chart", pie], "count": by_id["chart", count],
            "dataset": by_id["dataset", invoices]}


def _clone(plane: Plane, target: Path, branch: str) -> Path:
    """A second clone of the repository on its own branch, whose local values are this plane's."""
    repo = porcelain.clone(str(paths.PROJECT_ROOT), str(target), checkout=True, errstream=io.BytesIO())
    head = repo.head()
    repo.refs[b"refs/heads/" + branch.encode()] = head
    repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/" + branch.encode())
    repo.close()
    shutil.copy(plane.values_file("local"), target / "superset_assets" / "environments" / "local.yaml")
    return target


def _hybrid(clone: Path, *args: str) -> dict:
    """The `hybrid` program run in the clone, as its user would: the project is the current directory."""
    env = {k: v for k, v in os.environ.items() if k not in ("HYBRID_SUPERSET_ASSETS", "HYBRID_HOME")}
    done = subprocess.run([str(Path(sys.executable).parent / "hybrid"), *args, "--output", "json"], cwd=clone,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return json.loads(done.stdout)


def test_export_from_a_second_clone_adopts_in_place(plane: Plane, tmp_path: Path) -> None:
    env = environment("local")
    apply(env, plane.bundle())
    made = _hand_made_dashboard(plane)
    before = {(row.kind, row.uuid) for row in _live(plane)}
    clone = _clone(plane, tmp_path / "feature", "feature-partner-watch")
    tracked = {p: p.read_bytes() for p in (paths.PROJECT_ROOT / "superset_assets").rglob("*.yaml")}

    document = _hybrid(clone, "export", "--env", "local", "--dashboard", "partner-watch")
    assert {(a["kind"], a["uuid"]) for a in document["adopted"]} == {
        ("dashboard", made["dashboard"]), ("chart", made["pie"]), ("chart", made["count"]),
        ("dataset", made["dataset"])}, "the dashboard, both charts and the new dataset; ar_aging is code already"
    assert document["skipped"] == [] and document["warnings"] == []
    assert all(Path(p).is_relative_to(clone) for p in document["written"]), "written into the clone only"
    assert {p: p.read_bytes() for p in (paths.PROJECT_ROOT / "superset_assets").rglob("*.yaml")} == tracked
    pie = yaml.safe_load((clone / "superset_assets" / "charts" / "open_items_by_partner.yaml").read_text())
    assert (pie["viz_type"], pie["form_data"]) == ("pie", PIE_PARAMS), "the user's form data, no defaults added"

    assert _hybrid(clone, "validate", "--env", "local")["valid"]
    planned = _hybrid(clone, "plan", "--env", "local")
    adoptions = {c["uuid"]: c for c in planned["changes"] if c["action"] == "adopt"}
    assert set(adoptions) == set(made.values())
    assert {c["action"] for c in planned["changes"]} <= {"adopt", "update"}, planned["summary"]
    for change in adoptions.values():  # only what makes them managed; nothing the user made
        assert {f["path"] for f in change["fields"]} <= {"is_managed_externally", "certified_by",
                                                         "certification_details", "external_url", "extra"}, change
    updates = [c for c in planned["changes"] if c["action"] == "update"]
    assert {c["type"] for c in updates} == {"rls", "role"}, "the company filters and roles cover the new dataset"

    _hybrid(clone, "apply", "--env", "local")
    after = {(row.kind, row.uuid) for row in _live(plane)}
    assert after == before, "managed in place: no new row, nothing orphaned"
    assert _hybrid(clone, "plan", "--env", "local")["changes"] == []
    with plane.superset.client() as client:
        rows = [row for row in list_live(client).values() if row.uuid in made.values()]
        assert {row.managed_env for row in rows} == {"export-local"} and all(
            o["is_managed_externally"] for o in ownership(client, rows).values())

    # main's checkout lacks the adopted templates: its plan says who applied last, drift names that apply
    main_plan = plan(env, plane.bundle())
    assert any("feature-partner-watch" in w for w in main_plan.warnings), main_plan.warnings
    assert {c.uuid for c in main_plan.changes if c.action == "delete"} == set(made.values())
    report = drift(env, plane.assets)
    assert report.status == "NO_DRIFT" and report.baseline["branch"] == "feature-partner-watch"
    assert report.baseline["clean"] is False  # the exported templates were not committed


def _live(plane: Plane) -> list:
    with plane.superset.client() as client:
        return [row for row in list_live(client).values() if row.kind != "database"]


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
