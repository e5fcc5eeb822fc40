"""Multi-company access: company roles and row-level security filters as code, against a real Superset 6.1
over the finance marts built by the real dbt project.

One user per company role logs in (JWT) and reads chart data of every dataset of the bundle: the rows and row
counts per company are exactly that company's rows in the mart, queried directly with SQL, and none of another
company's; an admin sees every company. The same user opens every dashboard in headless Chromium without one
denied call and cannot edit or run SQL. Plan and drift: nothing after apply; edits through the API show as
drift with the field; apply (or the `superset/security` Dagster asset) restores; prune removes a dropped role.
The validation tests at the top need neither Superset nor Postgres.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import yaml
from click.testing import CliRunner
from dagster import AssetKey, materialize
from psycopg import sql

from dagster_project import paths
from dagster_project.cli.main import cli
from dagster_project.superset.bundle import compile_bundle
from dagster_project.superset.client import SupersetClient, SupersetError
from dagster_project.superset.control import apply, apply_security, environment, plan
from dagster_project.superset.identity import security_uuid
from dagster_project.superset.live import list_live
from dagster_project.superset.querycontext import ChartFilter
from dagster_project.superset.security_assets import build_security_asset, build_security_check
from dagster_project.superset.templates import AssetError, load_sources
from dagster_project.superset.validate import load_marts, validate
from tests.superset.browser import browser_as
from tests.superset.conftest import RunningSuperset
from tests.superset.dashboards import Plane, private_plane

# The seed's companies (dagster_project/odoo/generator/specs.py) as superset_assets/environments/local.yaml lists them.
PH, US, CEBU = 1, 2, 3
COMPANIES = {"company_ph_viewer": {PH}, "company_us_viewer": {US}, "company_cebu_viewer": {CEBU},
             "company_ph_group_viewer": {PH, CEBU}}
TWO_ROLES = "us_and_cebu"  # a user holding two company roles: their filters are ORed (one group key)
NAMESPACE = "rls-local"  # private_plane's namespace: role names are prefixed with it


# -- validation: no Superset needed --------------------------------------------------------------------------
@pytest.fixture()
def assets(tmp_path: Path) -> Path:
    target = tmp_path / "superset_assets"
    shutil.copytree(paths.PROJECT_ROOT / "superset_assets", target)
    return target


def _problems(assets: Path) -> list[str]:
    return [str(p) for p in validate(compile_bundle(load_sources("local", assets), resolve_uri=False), load_marts())]


def _currencies_dataset(assets: Path) -> Path:
    """A dataset over a model that has no company_id (currencies are shared by every company)."""
    path = assets / "datasets" / "currencies.yaml"
    path.write_text("table: stg_odoo__res_currencies\nschema: analytics\ncolumns:\n"
                    "  - {name: currency_code, is_dttm: false}\n")
    return path


def _exempt(assets: Path, text: str) -> None:
    roles = assets / "security" / "roles.yaml"
    roles.write_text(roles.read_text().replace("exempt: {}", text))


def test_the_shipped_security_covers_every_dataset_and_company(assets: Path) -> None:
    bundle = compile_bundle(load_sources("local", assets), resolve_uri=False)
    security = bundle.security
    assert security is not None and _problems(assets) == []
    assert set(security.filtered) == {d.name for d in bundle.of("dataset")}, "every dataset of the bundle"
    assert {r.logical: set(r.companies) for r in security.roles} == COMPANIES
    group = next(r for r in security.roles if r.logical == "company_ph_group_viewer")
    assert security.clause(group) == "company_id IN (1, 3)"
    assert security.clause(security.roles[0]) == "company_id = 1"


def test_a_dataset_without_company_id_fails_validation_naming_file_and_dataset(assets: Path) -> None:
    path = _currencies_dataset(assets)
    assert _problems(assets) == [
        f"{path}:1: dataset 'currencies' reads analytics.stg_odoo__res_currencies, which has no column "
        "'company_id': row-level security cannot keep companies apart there; fix: add company_id to the mart, "
        "or exempt the dataset with a reason under `exempt:` in security/roles.yaml"]
    result = CliRunner().invoke(cli, ["validate", "--env", "local", "--assets", str(assets)])
    assert result.exit_code == 1 and "dataset 'currencies'" in result.output


def test_an_exempt_dataset_needs_a_reason_and_is_read_unfiltered(assets: Path) -> None:
    _currencies_dataset(assets)
    roles_file = assets / "security" / "roles.yaml"
    _exempt(assets, "exempt:\n  currencies: ''\n  fx_rates: shared rates\n")
    problems = _problems(assets)
    assert f"{roles_file}:{_line_of(roles_file, 'currencies:')}: exempt dataset 'currencies' needs a reason (why " \
           "every company may read all of its rows)" in problems
    assert any("exempt names dataset 'fx_rates', which has no template in datasets/" in p for p in problems)
    roles_file.write_text(roles_file.read_text().replace("  currencies: ''\n  fx_rates: shared rates\n",
                                                         "  currencies: the same currencies for every company\n"))
    assert _problems(assets) == []
    security = compile_bundle(load_sources("local", assets), resolve_uri=False).security
    assert security is not None and "currencies" not in security.filtered
    role = security.roles[0]
    assert "datasource_access on dataset currencies" in security.role_body(role)["permissions"]
    assert "currencies" not in security.rls_body(role)["tables"]


def test_an_unknown_company_code_names_the_file_and_line(assets: Path) -> None:
    roles = assets / "security" / "roles.yaml"
    roles.write_text(roles.read_text().replace("companies: [ph, cebu]", "companies: [ph, davao]"))
    with pytest.raises(AssetError, match="unknown company code\\(s\\) davao; known in environments/local.yaml: "
                                         "ph, us, cebu") as raised:
        compile_bundle(load_sources("local", assets), resolve_uri=False)
    assert raised.value.path == roles and raised.value.line == _line_of(roles, "company_ph_group_viewer")


def _line_of(path: Path, token: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), start=1) if token in text)


def test_compile_writes_the_roles_and_filters_beside_the_bundle(assets: Path, tmp_path: Path) -> None:
    bundle = compile_bundle(load_sources("staging", assets), resolve_uri=False)
    bundle.write(tmp_path / "out")
    written = yaml.safe_load((tmp_path / "out" / "hybrid_staging.security.yaml").read_text())
    assert written["rls"]["company_us_viewer"]["clause"] == "company_id = 2"
    assert set(written["rls"]["company_us_viewer"]["tables"]) == {d.name for d in bundle.of("dataset")}
    assert bundle.digest() == compile_bundle(load_sources("staging", assets), resolve_uri=False).digest()


# -- a real Superset ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Viewer:
    username: str
    password: str
    companies: frozenset[int]


@pytest.fixture(scope="module")
def plane(superset: RunningSuperset, marts_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plane]:
    target = tmp_path_factory.mktemp("rls") / "superset_assets"
    with pytest.MonkeyPatch.context() as mp, private_plane(superset, target, mp, "rls") as p:
        yield p


@pytest.fixture(scope="module")
def applied(plane: Plane):
    return apply(environment("local"), plane.bundle())


@pytest.fixture(scope="module")
def viewers(plane: Plane, applied) -> dict[str, Viewer]:
    """One user per company role, and one with two roles; users are not code: created here as an operator would."""
    security = plane.bundle().security
    assert security is not None
    names = {role.logical: role.name for role in security.roles}
    with plane.superset.client() as admin:
        role_ids = {row["name"]: row["id"] for row in admin.list("security/roles")}
        wanted = {logical: [logical] for logical in COMPANIES} | {TWO_ROLES: ["company_us_viewer",
                                                                             "company_cebu_viewer"]}
        found = {}
        for key, roles in wanted.items():
            viewer = Viewer(f"rls_{key}", secrets.token_urlsafe(16), frozenset().union(*(COMPANIES[r] for r in roles)))
            admin.create("security/users", {"first_name": key, "last_name": "Viewer", "username": viewer.username,
                                            "email": f"{viewer.username}@example.test", "active": True,
                                            "password": viewer.password,
                                            "roles": [role_ids[names[r]] for r in roles]}, viewer.username)
            found[key] = viewer
    return found


def _login(plane: Plane, viewer: Viewer) -> SupersetClient:
    return SupersetClient(plane.superset.url, viewer.username, viewer.password, backoff=0.05)


def _datasets(plane: Plane) -> dict[str, tuple[int, str]]:
    """logical name -> (live id, mart table) for every dataset of the bundle."""
    bundle = plane.bundle()
    with plane.superset.client() as admin:
        live = list_live(admin, ["dataset"])
    return {d.name: (live[d.uuid].id, d.body["table_name"]) for d in bundle.of("dataset")}


# A chart's fixed filters (`filters:` in its spec) as SQL; IN / NOT IN take a list, bound as an array.
_SQL_OPERATORS = {"==": "= %s", "!=": "<> %s", ">": "> %s", "<": "< %s", ">=": ">= %s", "<=": "<= %s",
                  "IN": "= ANY(%s)", "NOT IN": "<> ALL(%s)"}


def _mart_counts(marts_dsn: str, table: str, filters: tuple[ChartFilter, ...] = ()) -> dict[int, int]:
    """Rows per company_id of a mart, counting only those a chart's fixed filters let through."""
    where = sql.SQL(" AND ").join([sql.SQL("TRUE"), *(sql.SQL("{} " + _SQL_OPERATORS[f.op]).format(
        sql.Identifier(f.column)) for f in filters)])
    query = sql.SQL("SELECT company_id, count(*) FROM {} WHERE {} GROUP BY company_id").format(
        sql.Identifier("warehouse", table), where)
    with psycopg.connect(marts_dsn) as conn:
        return dict(conn.execute(query, [f.value for f in filters]).fetchall())


def _company_counts(client: SupersetClient, dataset_id: int, only: set[int] | None = None) -> dict[int, int]:
    """Chart data: rows per company_id (the dataset's `count` metric), optionally asking for some companies."""
    filters = [{"col": "company_id", "op": "IN", "val": sorted(only)}] if only is not None else []
    context = {"datasource": {"id": dataset_id, "type": "table"}, "force": True, "result_format": "json",
               "result_type": "full", "queries": [{"columns": ["company_id"], "metrics": ["count"],
                                                   "filters": filters, "row_limit": 1000, "orderby": []}]}
    rows = client.query_data(context, f"company counts of dataset id {dataset_id}")[0]["data"]
    return {row["company_id"]: row["count"] for row in rows}


def _drift() -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["drift-plan", "--env", "local", "--output", "json"])
    document = json.loads(result.stdout)
    assert result.exit_code == (1 if document["status"] == "DRIFT_FOUND" else 0), result.output
    return document


def _plan_json() -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["plan", "--env", "local", "--output", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _filters(plane: Plane) -> dict[str, dict[str, Any]]:
    with plane.superset.client() as admin:
        return {row["name"]: row for row in admin.list("rowlevelsecurity")}


def _role_name(plane: Plane, logical: str) -> str:
    security = plane.bundle().security
    assert security is not None
    return next(role.name for role in security.roles if role.logical == logical)


@pytest.mark.stack
def test_plan_creates_a_role_and_a_filter_per_company_role_then_nothing(plane: Plane, applied) -> None:
    created = {(c.kind, c.name) for c in applied.plan.changes if c.action == "create" and c.kind in ("role", "rls")}
    assert created == {(kind, role) for role in COMPANIES for kind in ("role", "rls")}
    assert f"+ create rls '{NAMESPACE}_company_ph_viewer' (company_ph_viewer)" in applied.plan.text()
    datasets = len(_datasets(plane))
    assert (applied.roles, applied.filtered_datasets) == (len(COMPANIES), datasets)
    assert f"objects, {len(COMPANIES)} company roles with row-level security on {datasets} datasets to " \
        in applied.summary()
    after = _plan_json()
    assert after["changes"] == [], json.dumps(after["changes"])
    assert after["counts"]["unchanged"] == len(plane.bundle().objects) + 2 * len(COMPANIES)
    document = _drift()
    assert document.pop("baseline")["bundle_hash"], "drift names the apply it compares with"
    assert document == {"status": "NO_DRIFT", "env": "local", "changes": []}


@pytest.mark.stack
def test_every_filter_covers_every_dataset_and_each_role_reads_them_all(plane: Plane, applied) -> None:
    datasets = _datasets(plane)
    filters = _filters(plane)
    with plane.superset.client() as admin:
        role_ids = {row["name"]: row["id"] for row in admin.list("security/roles")}
        for logical, companies in COMPANIES.items():
            name = _role_name(plane, logical)
            live = filters[name]
            assert {t["id"] for t in live["tables"]} == {pk for pk, _ in datasets.values()}
            assert [r["name"] for r in live["roles"]] == [name] and live["filter_type"] == "Regular"
            assert live["clause"] == (f"company_id = {min(companies)}" if len(companies) == 1
                                      else f"company_id IN ({', '.join(map(str, sorted(companies)))})")
            readable = {p["view_menu_name"] for p in admin.role_permissions(role_ids[name])
                        if p["permission_name"] == "datasource_access"}
            assert readable == {f"[rls_local].[{table}](id:{pk})" for pk, table in datasets.values()}


@pytest.mark.stack
def test_each_company_user_sees_only_its_company_in_every_dataset(plane: Plane, viewers: dict[str, Viewer],
                                                                   marts_dsn: str) -> None:
    datasets = _datasets(plane)
    seen_rows = dict.fromkeys(viewers, 0)
    for key, viewer in viewers.items():
        others = {PH, US, CEBU} - viewer.companies
        with _login(plane, viewer) as client:
            for name, (pk, table) in sorted(datasets.items()):
                in_mart = _mart_counts(marts_dsn, table)
                expected = {company: n for company, n in in_mart.items() if company in viewer.companies}
                assert _company_counts(client, pk) == expected, f"{viewer.username} on dataset {name}"
                assert _company_counts(client, pk, only=others) == {}, f"{viewer.username} asked for {others}"
                seen_rows[key] += sum(expected.values())
    assert all(seen_rows.values()), f"every user saw rows of its company: {seen_rows}"


@pytest.mark.stack
def test_an_admin_sees_every_company(plane: Plane, applied, marts_dsn: str) -> None:
    with plane.superset.client() as admin:
        for name, (pk, table) in sorted(_datasets(plane).items()):
            assert _company_counts(admin, pk) == _mart_counts(marts_dsn, table), name
        assert set(_company_counts(admin, _datasets(plane)["trial_balance"][0])) == {PH, US, CEBU}


def _rows(result: dict[str, Any]) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True) for row in result["data"])


@pytest.mark.stack
def test_every_chart_shows_a_company_user_the_admins_view_of_that_company(plane: Plane, applied, marts_dsn: str,
                                                                          viewers: dict[str, Viewer]) -> None:
    bundle = plane.bundle()
    tables = {d.name: d.body["table_name"] for d in bundle.of("dataset")}
    charts = [(applied.live[c.uuid], tables[c.body["_dataset"]], c.body["_query"].filters) for c in bundle.of("chart")]
    with plane.superset.client() as admin:
        contexts = {row.id: json.loads(admin.get("chart", row.id)["query_context"]) for row, _, _ in charts}
        for logical in ("company_ph_viewer", "company_us_viewer", "company_cebu_viewer"):
            viewer = viewers[logical]
            with _login(plane, viewer) as client:
                for row, table, fixed in charts:
                    mine = client.chart_data(row.id)["result"]
                    context = copy.deepcopy(contexts[row.id]) | {"force": True}
                    for query in context["queries"]:
                        query.setdefault("filters", []).append(
                            {"col": "company_id", "op": "IN", "val": sorted(viewer.companies)})
                    theirs = admin.query_data(context)
                    assert [_rows(r) for r in mine] == [_rows(r) for r in theirs], f"{row.title} as {logical}"
                    if viewer.companies & set(_mart_counts(marts_dsn, table, fixed)):
                        assert mine[0]["data"], f"chart '{row.title}' shows {logical} no rows"


# The dashboard page's one write: on a first view it stores the label colors it computed into the dashboard.
# Superset answers 403 to every viewer who does not own the dashboard (stock Gamma users too); the page shows
# the same either way, and the keys it writes are ones drift ignores.
COLOR_SYNC = re.compile(r"^/api/v1/dashboard/\d+/colors\?mark_updated=false$")


@pytest.mark.stack
def test_a_company_user_opens_every_dashboard_without_a_denied_call(plane: Plane, viewers: dict[str, Viewer]) -> None:
    """The role's permissions are enough to read the dashboards: no page call is denied or fails."""
    bundle = plane.bundle()
    viewer = viewers["company_ph_viewer"]
    with _login(plane, viewer) as client:
        visible = {row["dashboard_title"] for row in client.list("dashboard")}
    assert visible == {d.title for d in bundle.of("dashboard")}, "exactly this namespace's dashboards"
    with browser_as(plane.superset.url, viewer.username, viewer.password) as browser:
        for dashboard in bundle.of("dashboard"):
            charts = len(dashboard.body["_charts"])
            load = browser.open(f"/superset/dashboard/{dashboard.body['slug']}/",
                                done=lambda page, n=charts: page.count("POST", "/api/v1/chart/data?form_data") >= n)
            denied = [(status, method, path) for status, method, path in load.failed
                      if not (status == 403 and method == "PUT" and COLOR_SYNC.match(path))]
            assert denied == [], f"dashboard '{dashboard.title}' as {viewer.username}"
            assert load.count("POST", "/api/v1/chart/data?form_data") == charts, dashboard.title
            assert load.count("GET", f"/superset/dashboard/{dashboard.body['slug']}/") == 1


@pytest.mark.stack
def test_a_company_user_can_neither_edit_nor_run_sql(plane: Plane, viewers: dict[str, Viewer]) -> None:
    """Nothing beyond reading: SQL Lab would bypass the filters (RLS does not apply there by default)."""
    viewer = viewers["company_us_viewer"]
    dashboard = next(iter(_live_ids(plane, "dashboard").values()))
    with httpx.Client(base_url=plane.superset.url, headers={"Accept": "application/json"}) as http:
        token = re.search(r'id="csrf_token"\s+value="([^"]+)"', http.get("/login/").text).group(1)
        http.post("/login/", data={"username": viewer.username, "password": viewer.password, "csrf_token": token})
        page = http.get(f"/superset/dashboard/{dashboard}/")
        assert page.status_code == 200
        csrf = re.search(r'id="csrf_token"\s+value="([^"]+)"', page.text).group(1)
        headers = {"X-CSRFToken": csrf, "Referer": plane.superset.url + "/"}
        attempts = {
            "run SQL": http.post("/api/v1/sqllab/execute/", headers=headers,
                                 json={"database_id": plane.superset.warehouse_id(), "sql": "SELECT 1"}),
            "create a chart": http.post("/api/v1/chart/", headers=headers,
                                        json={"slice_name": "x", "viz_type": "table"}),
            "edit a dashboard": http.put(f"/api/v1/dashboard/{dashboard}", headers=headers,
                                         json={"dashboard_title": "edited by a viewer"}),
            "list datasets": http.get("/api/v1/dataset/"),
            "read the RLS filters": http.get("/api/v1/rowlevelsecurity/"),
        }
    assert {what: answer.status_code for what, answer in attempts.items()} == dict.fromkeys(attempts, 403)


def _live_ids(plane: Plane, kind: str) -> dict[str, int]:
    bundle = plane.bundle()
    with plane.superset.client() as admin:
        live = list_live(admin, [kind])
    return {obj.name: live[obj.uuid].id for obj in bundle.of(kind) if obj.uuid in live}


@pytest.mark.stack
def test_a_clause_edited_through_the_api_is_drift_and_apply_restores_it(plane: Plane, viewers: dict[str, Viewer],
                                                                       marts_dsn: str) -> None:
    name = _role_name(plane, "company_us_viewer")
    live = _filters(plane)[name]
    pk, table = _datasets(plane)["ar_aging"]
    with plane.superset.client() as admin:  # a full edit: Superset replaces roles and tables with what is sent
        admin.update("rowlevelsecurity", live["id"], {"clause": "company_id IN (1, 2)",
                                                      "roles": [r["id"] for r in live["roles"]],
                                                      "tables": [t["id"] for t in live["tables"]]}, name)
    with _login(plane, viewers["company_us_viewer"]) as client:
        assert set(_company_counts(client, pk)) == {PH, US}, "the edited clause is live"
    assert _drift()["changes"] == [{
        "type": "rls", "name": name, "logical_name": "company_us_viewer", "action": "modified",
        "uuid": security_uuid(NAMESPACE, "rls", "company_us_viewer"),
        "fields": [{"path": "clause", "expected": "company_id = 2", "actual": "company_id IN (1, 2)"}]}]
    text = plan(environment("local"), plane.bundle()).text()
    assert f"~ update rls '{name}' (company_us_viewer)\n    ~ clause: \"company_id IN (1, 2)\" -> \"company_id = 2\"" \
        in text
    apply(environment("local"), plane.bundle())
    assert _drift()["status"] == "NO_DRIFT" and _plan_json()["changes"] == []
    with _login(plane, viewers["company_us_viewer"]) as client:
        assert _company_counts(client, pk) == {US: _mart_counts(marts_dsn, table)[US]}


@pytest.mark.stack
def test_a_partial_api_edit_lifts_the_filter_which_drift_reports_and_apply_restores(
        plane: Plane, viewers: dict[str, Viewer], marts_dsn: str) -> None:
    """Superset 6.1 empties a filter's roles and tables when a PUT leaves them out: the role then reads every
    company. Drift names each lost table and role; applying the security state closes it again."""
    name = _role_name(plane, "company_ph_viewer")
    live = _filters(plane)[name]
    pk, table = _datasets(plane)["revenue_monthly"]
    with plane.superset.client() as admin:
        admin.update("rowlevelsecurity", live["id"], {"clause": "company_id = 1"}, name)
    with _login(plane, viewers["company_ph_viewer"]) as client:
        assert _company_counts(client, pk) == _mart_counts(marts_dsn, table), "every company leaks without the filter"
    [change] = _drift()["changes"]
    assert (change["type"], change["logical_name"], change["action"]) == ("rls", "company_ph_viewer", "modified")
    assert {f["path"] for f in change["fields"]} == {f"roles.{name}", *(f"tables.{d}" for d in _datasets(plane))}
    assert all(f["expected"] is True and f["actual"] is None for f in change["fields"])
    made = apply_security(environment("local"), plane.bundle())
    assert [(c.action, c.kind, c.name) for c in made] == [("update", "rls", "company_ph_viewer")]
    with _login(plane, viewers["company_ph_viewer"]) as client:
        assert _company_counts(client, pk) == {PH: _mart_counts(marts_dsn, table)[PH]}
    assert _drift()["status"] == "NO_DRIFT"


@pytest.mark.stack
def test_a_changed_role_and_a_deleted_filter_are_drift_and_the_dagster_asset_restores_them(
        plane: Plane, viewers: dict[str, Viewer], marts_dsn: str) -> None:
    ph, cebu = _role_name(plane, "company_ph_viewer"), _role_name(plane, "company_cebu_viewer")
    pk, table = _datasets(plane)["ap_aging"]
    with plane.superset.client() as admin:
        role_ids = {row["name"]: row["id"] for row in admin.list("security/roles")}
        every = {(r["permission"]["name"], r["view_menu"]["name"]): r["id"] for r in
                 admin.list("security/permissions-resources", columns=("permission.name", "view_menu.name"))}
        held = [p for p in admin.role_permissions(role_ids[ph]) if p["view_menu_name"] != "Dashboards"]
        admin.set_role_permissions(role_ids[ph], [p["id"] for p in held] + [every["can_write", "Chart"]], ph)
        admin.delete("rowlevelsecurity", _filters(plane)[cebu]["id"], cebu)
    with _login(plane, viewers["company_cebu_viewer"]) as client:
        assert _company_counts(client, pk) == _mart_counts(marts_dsn, table), "no filter: every company leaks"
    found = {(c["type"], c["logical_name"], c["action"]): c["fields"] for c in _drift()["changes"]}
    assert found == {
        ("role", "company_ph_viewer", "modified"): [
            {"path": "permissions.menu_access on Dashboards", "expected": True, "actual": None},
            {"path": "permissions.can_write on Chart", "expected": None, "actual": True}],
        ("rls", "company_cebu_viewer", "deleted"): []}
    definitions = [build_security_asset(environment("local"), plane.bundle().security),
                   build_security_check(environment("local"))]
    result = materialize(definitions)
    assert result.success
    [event] = result.get_asset_materialization_events()
    changes = {(c["action"], c["type"], c["name"]) for c in event.materialization.metadata["changes"].value}
    assert changes == {("update", "role", "company_ph_viewer"), ("create", "rls", "company_cebu_viewer")}
    [check] = result.get_asset_check_evaluations()
    assert check.asset_key == AssetKey(["superset", "security"]) and check.passed
    with _login(plane, viewers["company_cebu_viewer"]) as client:
        assert _company_counts(client, pk) == {CEBU: _mart_counts(marts_dsn, table)[CEBU]}
    assert _drift()["status"] == "NO_DRIFT"


@pytest.mark.stack
def test_prune_removes_a_role_dropped_from_code_role_first(plane: Plane, viewers: dict[str, Viewer]) -> None:
    roles = plane.assets / "security" / "roles.yaml"
    group = re.compile(r"  - name: company_ph_group_viewer.*\n    companies: \[ph, cebu\]\n")
    roles.write_text(group.sub("", roles.read_text()))
    name = f"{NAMESPACE}_company_ph_group_viewer"
    deletions = [(c["action"], c["type"], c["title"]) for c in _plan_json()["changes"]]
    assert deletions == [("delete", "rls", name), ("delete", "role", name)]
    assert apply_security(environment("local"), plane.bundle()) == [], "without --prune nothing is deleted"
    made = apply_security(environment("local"), plane.bundle(), prune=True)
    assert [(c.action, c.kind) for c in made] == [("delete", "role"), ("delete", "rls")]
    assert name not in _filters(plane)
    with plane.superset.client() as admin:
        assert name not in {row["name"] for row in admin.list("security/roles")}
    with _login(plane, viewers["company_ph_group_viewer"]) as client, pytest.raises(SupersetError) as raised:
        _company_counts(client, _datasets(plane)["ar_aging"][0])
    assert raised.value.status == 403, "the role's users lost access together with the role"
    assert _plan_json()["changes"] == [] and _drift()["status"] == "NO_DRIFT"
