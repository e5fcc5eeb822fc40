"""The OCR models on a seeded warehouse with the real dbt: a warehouse that never saw an OCR document builds,
empty ocr tables build, and OCR'd invoices planted against the generated vendor bills get the right status,
bill, difference and company."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from dagster_project.ocr.schema import ensure_schema
from tests.dbt.helpers import DbtResult, Warehouse, assert_succeeded, seeded_warehouse
from tests.dbt.ocr_invoices import NAME_VARIANT, Plant, plant_ocr_invoices

pytestmark = pytest.mark.stack
TODAY = dt.date(2026, 3, 15)
OCR_MODELS = ("stg_ocr__invoices", "ocr_bill_matching")
SELECT = ("--select", "stg_ocr__invoices+")


@dataclass
class Planted:
    plants: dict[str, Plant]
    build: DbtResult
    rows: dict[int, dict[str, Any]]  # ocr_invoice_id -> mart row


def mart_rows(warehouse: Warehouse) -> dict[int, dict[str, Any]]:
    with psycopg.connect(warehouse.dsn, row_factory=dict_row) as conn:
        return {row["ocr_invoice_id"]: row for row in conn.execute("SELECT * FROM warehouse.ocr_bill_matching")}


def ocr_rows(warehouse: Warehouse) -> int:
    return warehouse.rows("SELECT count(*) FROM warehouse.ocr_bill_matching")[0][0]


@pytest.fixture(scope="module")
def warehouse(make_database, tmp_path_factory) -> Warehouse:
    return seeded_warehouse(make_database, "dbt_ocr", tmp_path_factory.mktemp("dbt-ocr"), TODAY)


@pytest.fixture(scope="module")
def fresh_build(warehouse: Warehouse) -> DbtResult:
    """`dbt build` of everything on a warehouse without the ocr schema (what `make up` meets)."""
    return warehouse.dbt("build")


@pytest.fixture(scope="module")
def empty_build(warehouse: Warehouse, fresh_build: DbtResult) -> DbtResult:
    with psycopg.connect(warehouse.dsn) as conn:
        ensure_schema(conn)
    return warehouse.dbt("build", *SELECT)


@pytest.fixture(scope="module")
def planted(warehouse: Warehouse, empty_build: DbtResult) -> Planted:
    plants = plant_ocr_invoices(warehouse.dsn)
    build = warehouse.dbt("build", *SELECT)
    return Planted(plants, build, mart_rows(warehouse))


def test_a_warehouse_that_never_saw_an_ocr_document_builds_everything(warehouse: Warehouse,
                                                                     fresh_build: DbtResult) -> None:
    assert_succeeded(fresh_build)
    names = fresh_build.by_name()
    assert all(names[model]["status"] == "success" for model in OCR_MODELS)
    assert warehouse.rows("SELECT count(*) FROM pg_namespace WHERE nspname = 'ocr'") == [(0,)]
    assert ocr_rows(warehouse) == 0
    contract = [c for (c,) in warehouse.rows("SELECT column_name FROM information_schema.columns WHERE "
                                             "table_schema = 'warehouse' AND table_name = 'ocr_bill_matching' "
                                             "ORDER BY ordinal_position")]
    manifest = json.loads((warehouse.target / "manifest.json").read_text())
    assert contract == list(manifest["nodes"]["model.hybrid_finance.ocr_bill_matching"]["columns"])


def test_empty_ocr_tables_build_with_every_test(warehouse: Warehouse, empty_build: DbtResult) -> None:
    assert_succeeded(empty_build)
    kinds = {r["unique_id"].split(".")[0] for r in empty_build.results}
    assert kinds == {"model", "test", "operation"}  # operation: the project's on-run-end hook (live path)
    assert {name for name, r in empty_build.by_name().items() if r["unique_id"].startswith("model.")} == set(OCR_MODELS)
    view = warehouse.rows("SELECT pg_get_viewdef('analytics.stg_ocr__invoices'::regclass)")[0][0]
    assert "ocr.invoices" in view, "the staging view reads the table once it exists"
    assert ocr_rows(warehouse) == 0


def test_the_planted_build_passes_with_every_ocr_test(planted: Planted) -> None:
    assert_succeeded(planted.build)
    names = planted.build.by_name()
    assert names["assert_ocr_bill_matching_has_one_row_per_invoice"]["status"] == "pass"
    assert names["assert_ocr_statuses_agree_with_their_evidence"]["status"] == "pass"
    assert len(planted.rows) == len(planted.plants)


@pytest.mark.parametrize("name", ["exact_vat", "name_only", "amount_off_5pct", "within_tolerance", "missing_in_odoo",
                                  "original", "duplicate", "name_variant", "date_shifted", "cancelled_in_odoo"])
def test_each_planted_invoice_gets_its_status_bill_difference_and_company(planted: Planted, name: str) -> None:
    plant = planted.plants[name]
    row = planted.rows[plant.ocr_invoice_id]
    duplicate_of = planted.plants[plant.duplicate_of].ocr_invoice_id if plant.duplicate_of else None
    assert {key: row[key] for key in ("match_status", "odoo_move_id", "amount_difference", "company_id",
                                      "matched_on", "duplicate_of_ocr_invoice_id")} == {
        "match_status": plant.status, "odoo_move_id": plant.move_id, "amount_difference": plant.amount_difference,
        "company_id": plant.company_id, "matched_on": plant.matched_on, "duplicate_of_ocr_invoice_id": duplicate_of}
    assert row["invoice_number"] == plant.invoice["invoice_number"]
    if plant.move_id is not None:
        assert row["date_difference_days"] == (plant.date_difference_days or 0)
        assert row["is_date_within_tolerance"] == (abs(plant.date_difference_days or 0) <= 3)


def test_the_amount_tolerance_is_half_a_percent_or_one_unit(planted: Planted) -> None:
    for row in planted.rows.values():
        share = (row["amount_total"] * Decimal("0.005")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert row["amount_tolerance"] == max(share, Decimal("1.00")), row["source_name"]
    near = planted.rows[planted.plants["within_tolerance"].ocr_invoice_id]
    assert Decimal(1) < near["amount_difference"] <= near["amount_tolerance"], "0.4% of a total over 1,000 matches"
    assert planted.rows[planted.plants["missing_in_odoo"].ocr_invoice_id]["amount_tolerance"] == 1, "150.00: 1.00"


def test_matched_rows_carry_the_odoo_bill_partner_and_company_names(warehouse: Warehouse, planted: Planted) -> None:
    row = planted.rows[planted.plants["name_variant"].ocr_invoice_id]
    [(bill_name, partner, company)] = warehouse.rows(
        "SELECT m.name, p.name, c.name FROM account_move m JOIN res_partner p ON p.id = m.commercial_partner_id "
        "JOIN res_company c ON c.id = m.company_id WHERE m.id = %s", (row["odoo_move_id"],))
    assert (row["odoo_bill_name"], row["odoo_partner_name"], row["company_name"]) == (bill_name, partner, company)
    assert (row["vendor_name"], row["odoo_partner_name"]) == (NAME_VARIANT[1], NAME_VARIANT[0])


def test_normalized_keys_ignore_case_punctuation_and_legal_forms(warehouse: Warehouse, planted: Planted) -> None:
    keys = {name: warehouse.rows(
        "SELECT vendor_name_normalized, vendor_vat_normalized, invoice_number_normalized, bill_to_name_normalized "
        "FROM analytics.stg_ocr__invoices WHERE ocr_invoice_id = %s", (plant.ocr_invoice_id,))[0]
        for name, plant in planted.plants.items()}
    exact = planted.plants["exact_vat"].invoice
    assert keys["name_variant"][0] == "acme supplies"
    assert keys["exact_vat"][1] == "".join(ch for ch in exact["vendor_vat"] if ch.isalnum()).upper()
    assert keys["exact_vat"][2] == "".join(ch for ch in exact["invoice_number"] if ch.isalnum()).upper()
    assert keys["missing_in_odoo"][3] == "hybrid finance us"


def test_tolerances_are_dbt_variables_and_bad_values_name_the_fix(warehouse: Warehouse, planted: Planted) -> None:
    off = planted.plants["amount_off_5pct"]
    shifted = planted.plants["date_shifted"]
    try:
        wider = warehouse.dbt("build", *SELECT, "--vars",
                              "{ocr_amount_tolerance_pct: 0.06, ocr_date_tolerance_days: 10}")
        assert_succeeded(wider)
        rows = mart_rows(warehouse)
        assert rows[off.ocr_invoice_id]["match_status"] == "matched"
        assert rows[shifted.ocr_invoice_id]["is_date_within_tolerance"] is True
        bad = warehouse.dbt("build", *SELECT, "--vars", "{ocr_amount_tolerance_pct: lots}")
        assert bad.returncode != 0
        assert "var ocr_amount_tolerance_pct must be a non-negative number, got 'lots'" in bad.output
        assert "fix: --vars '{ocr_amount_tolerance_pct: 0.005}'" in bad.output
    finally:
        assert_succeeded(warehouse.dbt("build", *SELECT))
    assert mart_rows(warehouse) == planted.rows


def test_the_business_tests_fail_on_a_broken_mart(warehouse: Warehouse, planted: Planted) -> None:
    duplicate = planted.plants["duplicate"].ocr_invoice_id
    missing = planted.plants["missing_in_odoo"].ocr_invoice_id
    with psycopg.connect(warehouse.dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM warehouse.ocr_bill_matching WHERE ocr_invoice_id = %s", (duplicate,))
        conn.execute("UPDATE warehouse.ocr_bill_matching SET match_status = 'matched' WHERE ocr_invoice_id = %s",
                     (missing,))
    try:
        result = warehouse.dbt("test", "--select", "assert_ocr_bill_matching_has_one_row_per_invoice",
                               "assert_ocr_statuses_agree_with_their_evidence")
        outcome = {name: (r["status"], r["failures"]) for name, r in result.by_name().items()}
        assert outcome == {"assert_ocr_bill_matching_has_one_row_per_invoice": ("fail", 1),
                           "assert_ocr_statuses_agree_with_their_evidence": ("fail", 1)}
    finally:
        assert_succeeded(warehouse.dbt("build", *SELECT))
