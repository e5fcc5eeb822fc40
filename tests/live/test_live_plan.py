"""Which tables a batch refreshes and how, from what changed (no database: the plan is pure)."""

from __future__ import annotations

from dagster_project.live.catalog import Catalog, LiveModel
from dagster_project.live.refresh import _plan

LINES, MOVES, PARTNERS, OCR = "public.account_move_line", "public.account_move", "public.res_partner", "ocr.invoices"
CATALOG = Catalog((
    LiveModel("dim_partner", "warehouse", "dim_partner", "select 1", frozenset(), frozenset({PARTNERS})),
    LiveModel("fct_journal_items", "warehouse", "fct_journal_items", "select 1", frozenset(),
              frozenset({LINES, MOVES}), ("move_line_id",), frozenset({LINES, MOVES}), "select id from live_lines"),
    LiveModel("ar_aging", "warehouse", "ar_aging", "select 1", frozenset({"fct_journal_items", "dim_partner"}),
              frozenset({LINES, MOVES, PARTNERS}), ("company_id", "partner_id"), frozenset({LINES, MOVES, PARTNERS}),
              "select 1, 1"),
    LiveModel("ocr_bill_matching", "warehouse", "ocr_bill_matching", "select 1", frozenset(),
              frozenset({MOVES, OCR})),
), frozenset({LINES, MOVES, PARTNERS, OCR}))


def test_items_and_partners_are_keyed_where_the_key_query_covers_them() -> None:
    assert _plan(CATALOG, {LINES, PARTNERS}, set(), False) == {
        "dim_partner": "full", "fct_journal_items": "keyed", "ar_aging": "keyed"}


def test_a_source_the_key_query_does_not_cover_rebuilds_whole() -> None:
    assert _plan(CATALOG, {MOVES, OCR}, set(), False) == {
        "fct_journal_items": "keyed", "ar_aging": "keyed", "ocr_bill_matching": "full"}


def test_an_emptied_source_rebuilds_everything_below_it_whole() -> None:
    assert _plan(CATALOG, {LINES}, {LINES}, False) == {"fct_journal_items": "full", "ar_aging": "full"}


def test_the_daily_rebuild_takes_every_table() -> None:
    assert set(_plan(CATALOG, set(), set(), True).values()) == {"full"} and len(_plan(CATALOG, set(), set(), True)) == 4
