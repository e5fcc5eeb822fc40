"""compile -> apply -> plan against a real Superset 6.1 over marts built by the real dbt project."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from io import BytesIO

import psycopg
import pytest

from dagster_project.superset.bundle import MASK
from dagster_project.superset.control import apply, environment, plan
from tests.superset.conftest import RunningSuperset
from tests.superset.dashboards import Plane, private_plane

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def plane(superset: RunningSuperset, marts_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plane]:
    with pytest.MonkeyPatch.context() as mp, \
            private_plane(superset, tmp_path_factory.mktemp("assets") / "superset_assets", mp, "apply") as plane:
        yield plane


@pytest.fixture(scope="module")
def applied(plane: Plane):
    return apply(environment("local"), plane.bundle())


def test_compile_is_deterministic_and_holds_no_secret(plane: Plane) -> None:
    first, second = plane.bundle(), plane.bundle()
    assert first.zip_bytes() == second.zip_bytes()
    assert first.password and first.passwords()
    with zipfile.ZipFile(BytesIO(first.zip_bytes())) as archive:
        text = "".join(archive.read(name).decode() for name in archive.namelist())
    assert first.password not in text and MASK in text
    assert len(first.of("dashboard")) >= 5 and all(3 <= len(d.body["_charts"]) <= 6 for d in first.of("dashboard"))


def test_apply_then_plan_shows_no_changes(plane: Plane, applied) -> None:
    assert not applied.warnings
    bundle = plane.bundle()
    assert bundle.security is not None
    assert applied.plan.count("create") == len(bundle.objects) + 2 * len(bundle.security.roles), "+ roles and RLS"
    after = plan(environment("local"), plane.bundle())
    assert after.changes == [], after.text()
    assert after.exported == 0  # the cheap pre-check answered everything


def test_apply_twice_second_plan_is_empty(plane: Plane, applied) -> None:
    again = apply(environment("local"), plane.bundle())
    assert again.plan.changes == [], again.plan.text()
    assert plan(environment("local"), plane.bundle()).changes == []


def test_every_chart_returns_rows_from_the_marts(plane: Plane, applied) -> None:
    with plane.superset.client() as client:
        for row in (r for r in applied.live.values() if r.kind == "chart"):
            body = client.chart_data(row.id)
            rows = body["result"][0]["data"]
            assert rows, f"chart '{row.title}' returned no rows"


def test_a_filtered_chart_serves_only_its_rows_from_the_saved_query(plane: Plane, applied, marts_dsn: str) -> None:
    """The chart data API (and every warm-up) replays the saved query: the exceptions chart lists exactly the
    invoices that are not matched, as the dashboard does."""
    chart = next(c for c in plane.bundle().of("chart") if c.name == "ocr_exceptions")
    with plane.superset.client() as client:
        rows = client.chart_data(applied.live[chart.uuid].id)["result"][0]["data"]
    with psycopg.connect(marts_dsn) as conn:
        statuses = dict(conn.execute("SELECT ocr_invoice_id, match_status FROM warehouse.ocr_bill_matching"))
    wanted = {pk for pk, status in statuses.items() if status in ("amount_mismatch", "missing_in_odoo", "duplicate")}
    assert wanted and set(statuses) - wanted, "the planted invoices hold both matched ones and exceptions"
    assert sorted(row["ocr_invoice_id"] for row in rows) == sorted(wanted)
    assert {row["match_status"] for row in rows} == {"amount_mismatch", "missing_in_odoo", "duplicate"}
