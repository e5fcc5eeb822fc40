"""validate and compile without a Superset: wrong columns and broken templates name the file, line and object."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dagster_project import paths
from dagster_project.cli.main import cli
from dagster_project.config.gate import ApprovalRequired
from dagster_project.superset.apply import apply_bundle
from dagster_project.superset.bundle import compile_bundle
from dagster_project.superset.templates import AssetError, load_sources
from dagster_project.superset.validate import load_marts, validate


@pytest.fixture()
def assets(tmp_path: Path) -> Path:
    target = tmp_path / "superset_assets"
    shutil.copytree(paths.PROJECT_ROOT / "superset_assets", target)
    return target


def _problems(assets: Path, env: str = "local") -> list[str]:
    bundle = compile_bundle(load_sources(env, assets), resolve_uri=False)
    return [str(p) for p in validate(bundle, load_marts())]


@pytest.mark.parametrize("env", ["local", "staging", "production"])
def test_the_shipped_assets_are_valid(assets: Path, env: str) -> None:
    assert _problems(assets, env) == []


def test_a_column_the_mart_lacks_names_the_chart_and_the_column(assets: Path) -> None:
    chart = assets / "charts" / "ar_by_bucket.yaml"
    chart.write_text(chart.read_text().replace("x_axis: aging_bucket", "x_axis: bucket"))
    problems = _problems(assets)
    assert len(problems) == 1
    assert problems[0].endswith("chart 'AR by bucket' uses column 'bucket' which mart warehouse.ar_aging lacks")
    assert problems[0].startswith(f"{chart}:4:")


def test_a_chart_filter_is_in_the_dashboard_query_and_the_saved_query_alike(assets: Path) -> None:
    """Warm-ups and the chart data API replay the saved query context: it must filter as the dashboard does."""
    bundle = compile_bundle(load_sources("local", assets), resolve_uri=False)
    chart = next(c for c in bundle.of("chart") if c.name == "ocr_exceptions")
    wanted = ["amount_mismatch", "missing_in_odoo", "duplicate"]
    assert [f for f in chart.body["params"]["adhoc_filters"] if f["operator"] != "TEMPORAL_RANGE"] == [
        {"clause": "WHERE", "subject": "match_status", "operator": "IN", "comparator": wanted,
         "expressionType": "SIMPLE"}]
    saved = json.loads(chart.body["query_context"])["queries"][0]["filters"]
    assert saved == [{"col": "invoice_date", "op": "TEMPORAL_RANGE", "val": "No filter"},
                     {"col": "match_status", "op": "IN", "val": wanted}]


@pytest.mark.parametrize(("line", "expected"), [
    ("  - {column: match_state, op: IN, value: [duplicate]}",
     "chart 'OCR exceptions to review' uses column 'match_state' which mart warehouse.ocr_bill_matching lacks"),
    ("  - {column: match_status, op: LIKE, value: dup%}",
     "chart 'OCR exceptions to review': filter on 'match_status' has op 'LIKE'; supported: "
     "==, !=, >, <, >=, <=, IN, NOT IN"),
    ("  - {column: match_status, op: IN, value: duplicate}",
     "chart 'OCR exceptions to review': filter on 'match_status' (IN) needs a list of values; got 'duplicate'"),
])
def test_a_wrong_chart_filter_names_the_chart_and_the_fix(assets: Path, line: str, expected: str) -> None:
    chart = assets / "charts" / "ocr_exceptions.yaml"
    text = chart.read_text()
    filters = next(x for x in text.splitlines() if x.startswith("  - {column: match_status"))
    chart.write_text(text.replace(filters, line))
    problems = _problems(assets)
    assert len(problems) == 1 and problems[0].endswith(expected), problems
    assert problems[0].startswith(f"{chart}:")


def test_filters_that_are_not_a_list_of_mappings_fail_compile_naming_the_file(assets: Path) -> None:
    chart = assets / "charts" / "ocr_exceptions.yaml"
    chart.write_text(chart.read_text().split("filters:")[0] + "filters: match_status = 'duplicate'\n")
    with pytest.raises(AssetError, match="filters must be a list of {column: ..., op: ..., value: ...}") as err:
        compile_bundle(load_sources("local", assets), resolve_uri=False)
    assert str(chart) in str(err.value)


def test_a_metric_expression_on_a_missing_column_is_caught(assets: Path) -> None:
    dataset = assets / "datasets" / "ap_aging.yaml"
    dataset.write_text(dataset.read_text().replace("SUM(item_count)", "SUM(items)"))
    assert any("metric 'open_items' of dataset 'ap_aging' uses column 'items' which mart warehouse.ap_aging lacks"
               in p for p in _problems(assets))


def test_a_dashboard_placing_an_unknown_chart_is_caught(assets: Path) -> None:
    dashboard = assets / "dashboards" / "trial_balance.yaml"
    dashboard.write_text(dashboard.read_text().replace("chart: tb_debits", "chart: tb_missing"))
    assert any("dashboard 'Trial balance' places chart 'tb_missing'" in p for p in _problems(assets))


def test_a_template_error_names_the_file_and_line(assets: Path) -> None:
    chart = assets / "charts" / "pie_broken.yaml"
    chart.write_text("title: Broken\ndataset: ar_aging\nviz_type: pie\ncache_timeout: [[ cache.chart \n")
    with pytest.raises(AssetError) as raised:
        load_sources("local", assets)
    assert raised.value.path == chart and raised.value.line == 4


def test_an_undefined_value_names_the_file_and_line(assets: Path) -> None:
    chart = assets / "charts" / "ar_total.yaml"
    text = chart.read_text() + "description: [[ no_such_value ]]\n"
    chart.write_text(text)
    with pytest.raises(AssetError, match="no_such_value") as raised:
        load_sources("local", assets)
    assert raised.value.path == chart and raised.value.line == len(text.splitlines())


def test_yaml_errors_name_the_file_and_line(assets: Path) -> None:
    dataset = assets / "datasets" / "ar_aging.yaml"
    dataset.write_text(dataset.read_text().replace("columns:", "columns: [", 1))
    with pytest.raises(AssetError, match="invalid YAML") as raised:
        load_sources("local", assets)
    assert raised.value.path == dataset and raised.value.line is not None


def test_superset_jinja_passes_through_untouched(assets: Path) -> None:
    chart = assets / "charts" / "ar_total.yaml"
    chart.write_text(chart.read_text() + "description: \"{{ filter_values('company_id') }}\"\n")
    sources = load_sources("local", assets)
    assert sources.of("charts")["ar_total"].spec["description"] == "{{ filter_values('company_id') }}"


def test_validate_cli_exits_1_and_names_the_problem(assets: Path) -> None:
    chart = assets / "charts" / "ar_by_bucket.yaml"
    chart.write_text(chart.read_text().replace("x_axis: aging_bucket", "x_axis: bucket"))
    result = CliRunner().invoke(cli, ["validate", "--env", "local", "--assets", str(assets)])
    assert result.exit_code == 1
    assert "uses column 'bucket' which mart warehouse.ar_aging lacks" in result.output


def test_compile_is_deterministic_with_stable_names(assets: Path, tmp_path: Path) -> None:
    first = compile_bundle(load_sources("staging", assets), resolve_uri=False)
    second = compile_bundle(load_sources("staging", assets), resolve_uri=False)
    assert first.zip_bytes() == second.zip_bytes()
    archive = first.write(tmp_path / "out")
    names = sorted(p.relative_to(archive.with_suffix("")).as_posix() for p in archive.with_suffix("").rglob("*.yaml"))
    assert "charts/ar_by_bucket.yaml" in names and "datasets/warehouse/ar_aging.yaml" in names
    local = compile_bundle(load_sources("local", assets), resolve_uri=False)
    assert {o.uuid for o in local.objects}.isdisjoint({o.uuid for o in first.objects}), "UUIDs differ per env"


def test_a_protected_environment_needs_approval_before_anything_is_sent(assets: Path) -> None:
    bundle = compile_bundle(load_sources("production", assets), resolve_uri=False)
    with pytest.raises(ApprovalRequired, match="--approve"):
        apply_bundle(bundle, client=None, state_dsn="", protected=True)  # type: ignore[arg-type]


def test_an_assets_directory_that_does_not_exist_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--env", "local", "--assets", str(tmp_path / "nonexistent")])
    assert result.exit_code == 1  # validate: the code is not valid
    assert f"{tmp_path / 'nonexistent'}: directory not found; fix: pass --assets" in result.output
