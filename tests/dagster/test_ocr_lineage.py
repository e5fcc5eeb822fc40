"""OCR in the loaded code location: lineage from the loaded invoices to the OCR dashboard, and a load that
requests exactly the OCR models from the dbt automation."""

from __future__ import annotations

from dagster import AssetKey, AssetMaterialization, DagsterInstance, evaluate_automation_conditions

from dagster_project.definitions import defs

GRAPH = defs.resolve_asset_graph()
INVOICES = AssetKey(["ocr", "invoices"])
STAGING = AssetKey(["analytics", "stg_ocr__invoices"])
MART = AssetKey(["warehouse", "ocr_bill_matching"])
DATASET = AssetKey(["superset", "dataset", "ocr_bill_matching"])
DASHBOARD = AssetKey(["superset", "dashboard", "ocr_invoices"])


def test_lineage_runs_from_ocr_invoices_to_the_ocr_dashboard() -> None:
    chain = [INVOICES, STAGING, MART, DATASET, DASHBOARD]
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert upstream in GRAPH.get(downstream).parent_keys, f"{upstream} -> {downstream}"
    assert GRAPH.get(DASHBOARD).parent_keys == {DATASET}
    assert GRAPH.get(DATASET).parent_keys == {MART}
    assert (GRAPH.get(STAGING).group_name, GRAPH.get(MART).group_name) == ("analytics", "warehouse")


def test_the_mart_matches_against_the_replicated_odoo_bills_partners_and_companies() -> None:
    staging = GRAPH.get(MART).parent_keys
    assert staging == {STAGING} | {AssetKey(["analytics", f"stg_odoo__{name}"])
                                   for name in ("account_moves", "res_partners", "res_companies", "res_currencies")}
    odoo = {key for parent in staging - {STAGING} for key in GRAPH.get(parent).parent_keys}
    assert odoo == {AssetKey(["odoo", table]) for table in ("account_move", "res_partner", "res_company",
                                                            "res_currency")}


def test_the_mart_carries_its_dbt_tests_as_checks() -> None:
    checks = {check.name for check in GRAPH.asset_check_keys if check.asset_key == MART}
    assert {"assert_ocr_bill_matching_has_one_row_per_invoice", "assert_ocr_statuses_agree_with_their_evidence",
            "not_null_ocr_bill_matching_ocr_invoice_id", "unique_ocr_bill_matching_ocr_invoice_id",
            "accepted_values_ocr_bill_matching_match_status__matched__amount_mismatch__missing_in_odoo__duplicate",
            } <= checks


def test_a_load_of_ocr_invoices_requests_exactly_the_ocr_models() -> None:
    instance = DagsterInstance.ephemeral()
    dbt_keys = {key for key in GRAPH.get_all_asset_keys() if key.path[0] in ("analytics", "warehouse")}
    upstream = [key for key in GRAPH.get_all_asset_keys() if key.path[0] in ("odoo", "ocr")]
    for key in [*upstream, *sorted(dbt_keys)]:
        instance.report_runless_asset_event(AssetMaterialization(key))
    settled = evaluate_automation_conditions(defs=defs, instance=instance)
    instance.report_runless_asset_event(AssetMaterialization(INVOICES))
    tick = evaluate_automation_conditions(defs=defs, instance=instance, cursor=settled.cursor)
    assert {key for key in dbt_keys if tick.get_num_requested(key)} == {STAGING, MART}
