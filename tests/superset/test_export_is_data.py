"""Text adopted from Superset is data: a title, name or description holding template syntax compiles to
itself, never runs, and a name cannot lead a file out of superset_assets/. Also: a template that reaches
for Python internals is refused by the sandbox, naming the file. No Superset needed: the objects are
what `read_export` reads from Superset's export ZIP."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from dagster_project import paths
from dagster_project.superset.bundle import compile_bundle
from dagster_project.superset.export import adopt
from dagster_project.superset.templates import AssetError, load_sources

HOSTILE_TITLE = "Sales [[ lipsum.__globals__['os'].getpid() ]]"
HOSTILE_DESCRIPTION = "Totals {{ current_username() }} and [% for x in range(3) %]x[% endfor %] [# gone? #]"
HOSTILE_TABLE = "../../x"


@pytest.fixture()
def assets(tmp_path: Path) -> Path:
    target = tmp_path / "repo" / "superset_assets"
    shutil.copytree(paths.PROJECT_ROOT / "superset_assets", target)
    return target


def _export() -> dict[str, tuple[str, dict]]:
    """One dashboard with one chart on one dataset, as Superset exports them."""
    dataset = {"uuid": "d1", "table_name": HOSTILE_TABLE, "schema": "warehouse", "description": HOSTILE_DESCRIPTION,
               "main_dttm_col": None,
               "columns": [{"column_name": "company_id"}, {"column_name": "amount", "description": "[[ x ]]"}],
               "metrics": [{"metric_name": "total", "expression": "SUM(amount) -- [% raw %]",
                            "verbose_name": "Total [[ 7 * 7 ]]"}]}
    chart = {"uuid": "c1", "slice_name": HOSTILE_TITLE, "viz_type": "big_number_total", "dataset_uuid": "d1",
             "params": {"metric": "total"}}
    dashboard = {"uuid": "b1", "dashboard_title": "Board [# c #] [% if 1 %]", "slug": "board",
                 "position": {"GRID_ID": {"children": ["ROW-1"]}, "ROW-1": {"children": ["CHART-1"]},
                              "CHART-1": {"type": "CHART", "meta": {"uuid": "c1", "width": 4, "height": 50}}},
                 "metadata": {}}
    return {"d1": ("dataset", dataset), "c1": ("chart", chart), "b1": ("dashboard", dashboard)}


def test_adopted_text_with_template_syntax_compiles_to_itself(assets: Path) -> None:
    adoption = adopt(_export(), assets, "local")
    assert {p.relative_to(assets).as_posix() for p in adoption.written} == {
        "datasets/x.yaml", "charts/sales_lipsum_globals_os_getpid.yaml", "dashboards/board.yaml"}
    assert not (assets.parent.parent / "x.yaml").exists()
    sources = load_sources("local", assets)
    dataset = sources.of("datasets")["x"].spec
    assert (dataset["table"], dataset["description"]) == (HOSTILE_TABLE, HOSTILE_DESCRIPTION)
    assert dataset["columns"][0] == {"name": "amount", "is_dttm": False, "description": "[[ x ]]"}
    assert dataset["metrics"] == [{"name": "total", "expression": "SUM(amount) -- [% raw %]",
                                   "label": "Total [[ 7 * 7 ]]"}]
    assert dataset["schema"] == "warehouse" and dataset["uuids"] == {"local": "d1"}  # the platform's marker renders
    chart = sources.of("charts")["sales_lipsum_globals_os_getpid"].spec
    assert chart["title"] == HOSTILE_TITLE and str(os.getpid()) not in chart["title"]
    assert chart["form_data"] == {"metric": "total"} and chart["uuids"] == {"local": "c1"}
    assert sources.of("dashboards")["board"].spec["title"].startswith("Board [# c #] [% if 1 %]")
    bundle = compile_bundle(sources, resolve_uri=False)
    [compiled] = [o for o in bundle.of("chart") if o.name == "sales_lipsum_globals_os_getpid"]
    assert compiled.body["slice_name"] == HOSTILE_TITLE


def test_a_template_that_reaches_for_python_internals_is_refused_naming_the_file(assets: Path) -> None:
    chart = assets / "charts" / "revenue_total.yaml"
    chart.write_text(chart.read_text().replace("title: Revenue", f"title: {HOSTILE_TITLE}"))
    with pytest.raises(AssetError) as raised:
        load_sources("local", assets)
    assert raised.value.path == chart.resolve() and raised.value.line == 1
    assert "unsafe template expression refused" in raised.value.message and "__globals__" in raised.value.message
