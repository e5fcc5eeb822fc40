"""Currency rates: the seed's daily series per root company and foreign currency, and how stories look
them up."""

from __future__ import annotations

import datetime as dt
import random
from typing import Protocol

from dagster_project.odoo.generator.catalog import Catalog
from dagster_project.odoo.generator.copytext import RATE_SCALE
from dagster_project.odoo.generator.specs import START_RATES


def currency_rates(
    rng: random.Random, catalog: Catalog, first: dt.date, last: dt.date
) -> dict[tuple[int, int], dict[dt.date, int]]:
    """Daily rates per root company and foreign currency: a small random walk around START_RATES."""
    names = {v: k for k, v in catalog.currencies.items()}
    rates: dict[tuple[int, int], dict[dt.date, int]] = {}
    for company in catalog.companies.values():
        if company.root_id != company.id:
            continue
        for foreign, start in START_RATES[names[company.currency_id]].items():
            value = int(start * RATE_SCALE)
            series = rates.setdefault((company.id, catalog.currencies[foreign]), {})
            day = first
            while day <= last:
                series[day] = value
                value = value * (100_000 + rng.randrange(-300, 301)) // 100_000
                day += dt.timedelta(days=1)
    return rates


class RateSource(Protocol):
    def rate(self, root_id: int, currency_id: int, day: dt.date) -> int: ...

    def foreign(self, root_id: int) -> list[int]: ...


class DailyRates:
    """The seed's rates in memory: (root company, currency) -> day -> rate."""

    def __init__(self, series: dict[tuple[int, int], dict[dt.date, int]]) -> None:
        self.series = series

    def rate(self, root_id: int, currency_id: int, day: dt.date) -> int:
        return self.series[(root_id, currency_id)][day]

    def foreign(self, root_id: int) -> list[int]:
        return [currency for (root, currency) in self.series if root == root_id]
