"""Snapshot of the OCR part of the loaded code location: its assets, the ocr_ingest job, the ocr_arrivals
sensor, and ocr/invoices upstream of the dbt models that read the `ocr` sources."""

from __future__ import annotations

import json

from dagster import AssetKey, DefaultSensorStatus

from dagster_project.dbt.project import manifest_path
from dagster_project.definitions import defs
from dagster_project.ocr.assets import DOCUMENTS, INVOICES, LINES, OCR_KEYS

GRAPH = defs.resolve_asset_graph()


def downstream(keys: set[AssetKey]) -> set[AssetKey]:
    seen, frontier = set(keys), set(keys)
    while frontier:
        frontier = {child for key in frontier for child in GRAPH.get(key).child_keys} - seen
        seen |= frontier
    return seen


def test_ocr_assets_are_one_materializable_group() -> None:
    keys = sorted(k.to_user_string() for k in GRAPH.get_all_asset_keys() if k.path[0] == "ocr")
    assert keys == ["ocr/documents", "ocr/invoice_lines", "ocr/invoices"]
    for key in OCR_KEYS:
        node = GRAPH.get(key)
        assert node.is_materializable and node.group_name == "ocr" and node.kinds == {"postgres"}
        assert node.metadata["dagster/table_name"] == "ocr." + key.path[1]
    assert set(GRAPH.get(INVOICES).parent_keys) == {DOCUMENTS}
    assert set(GRAPH.get(LINES).parent_keys) == {INVOICES}


def test_ocr_invoices_is_upstream_of_the_dbt_models_reading_the_ocr_sources() -> None:
    manifest = json.loads(manifest_path().read_text())
    sources = {node_id: tuple(source["meta"]["dagster"]["asset_key"])
               for node_id, source in manifest["sources"].items() if source["source_name"] == "ocr"}
    assert sorted(sources.values()) == [("ocr", "invoice_lines"), ("ocr", "invoices")]
    readers = {AssetKey([node["schema"], node["name"]]): {sources[d] for d in node["depends_on"]["nodes"]
                                                          if d in sources}
               for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    for model, read in readers.items():
        for source in read:
            assert AssetKey(list(source)) in GRAPH.get(model).parent_keys, (model, source)
    assert AssetKey(["analytics", "stg_ocr__invoices"]) in GRAPH.get(INVOICES).child_keys


def test_the_ingest_job_loads_and_refreshes_everything_downstream_but_the_monthly_report() -> None:
    job = defs.resolve_job_def("ocr_ingest")
    selected = set(job.asset_layer.selected_asset_keys)
    report = AssetKey(["reports", "monthly_financial"])
    assert report in downstream(set(OCR_KEYS))  # it reads ocr_bill_matching, but is rebuilt by its month
    assert selected == downstream(set(OCR_KEYS)) - {report}
    assert {AssetKey(["warehouse", "ocr_bill_matching"]), AssetKey(["superset", "dashboard", "ocr_invoices"])} \
        <= selected
    assert not any(key.path[0] == "odoo" for key in selected)
    assert job.executor_def.name == "in_process"  # no step process re-importing the code location per op
    config = defs.resolve_assets_def(DOCUMENTS).op.config_schema.config_type.fields
    assert {name: field.config_type.key for name, field in config.items()} == {
        "batch": "Noneable.StringSourceType", "files": "Noneable.Array.StringSourceType"}  # the sensor's run config


def test_the_arrivals_sensor_runs_by_default_every_five_seconds() -> None:
    sensor = defs.resolve_sensor_def("ocr_arrivals")
    assert sensor.default_status == DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == 5
    assert sensor.job_name == "ocr_ingest"
    assert not sensor.required_resource_keys  # it reads only the inbox and the instance
