"""The seed's direct COPY text of moves and lines equals the generic rows the simulation inserts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from dagster_project.odoo.generator import seed
from dagster_project.odoo.generator.catalog import Counters
from dagster_project.odoo.generator.catalog_builder import CatalogBuilder
from dagster_project.odoo.generator.copytext import copy_text, money
from dagster_project.odoo.generator.documents import Move
from dagster_project.odoo.generator.rates import DailyRates, currency_rates
from dagster_project.odoo.generator.row_text import lines_text, move_text
from dagster_project.odoo.generator.rows import line_row, move_row
from dagster_project.odoo.generator.stories import Seeder

TODAY = dt.date(2026, 3, 15)


@pytest.fixture(scope="module")
def moves() -> list[Move]:
    """Every kind of story, generated in memory (no database): the first 3,000 of a scale-1 seed."""
    rng, ids = random.Random(7), Counters()
    start = TODAY - dt.timedelta(days=seed.HISTORY_DAYS)
    builder = CatalogBuilder(rng, ids, 1, start)
    catalog = builder.build()
    rates = currency_rates(rng, catalog, start - dt.timedelta(days=1), TODAY)
    seeder = Seeder(rng, catalog, ids, TODAY, DailyRates(rates))
    seeder.opening_entries(start - dt.timedelta(days=1))
    for day, kind in seed.story_plan(rng, 1, start, TODAY)[:3000]:
        seeder.story(kind, day)
    return seeder.take_batch().moves


def test_generated_moves_cover_every_shape(moves: list[Move]) -> None:
    assert {m.move_type for m in moves} >= {"entry", "out_invoice", "in_invoice", "out_refund", "in_refund"}
    assert {m.state for m in moves} == {"draft", "posted", "cancel"}
    lines = [line for m in moves for line in m.lines]
    assert any(line.written for line in lines) and any(line.full_id for line in lines)
    assert any(line.tax_base_amount for line in lines) and any(line.expense_id for line in lines)
    assert any(0 != line.residual != line.balance for line in lines)


def test_move_text_equals_copy_text_of_move_row(moves: list[Move]) -> None:
    for move in moves:
        assert move_text(move) == copy_text([move_row(move)]), move.id


def test_lines_text_equals_copy_text_of_line_rows(moves: list[Move]) -> None:
    for move in moves:
        assert "".join(lines_text(move)) == copy_text(line_row(move, line) for line in move.lines), move.id


def test_text_fields_are_escaped_like_copy_text(moves: list[Move]) -> None:
    invoice = next(m for m in moves if m.move_type == "in_invoice" and m.partner and m.narration is None)
    partner = dataclasses.replace(invoice.partner, name="Tab\tand\\backslash")  # type: ignore[type-var]
    move = dataclasses.replace(invoice, ref="line\nbreak", narration="<p>\r</p>", partner=partner)
    move.lines = [dataclasses.replace(line, name="a\\b\tc", move=move) for line in invoice.lines]
    assert "\\\\backslash" in move_text(move)
    assert move_text(move) == copy_text([move_row(move)])
    assert "".join(lines_text(move)) == copy_text(line_row(move, line) for line in move.lines)


@pytest.mark.parametrize(
    ("cents", "literal"),
    [(0, "0.00"), (5, "0.05"), (-5, "-0.05"), (100, "1.00"), (-12_345, "-123.45"), (10**15 + 7, "10000000000000.07")],
)
def test_money_is_exact(cents: int, literal: str) -> None:
    assert money(cents) == literal
