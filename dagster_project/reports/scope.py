"""Whose figures a report shows: one company in its own currency, or every company translated into the
group's currency at the rate valid on the month's last day (for every month shown, so the changes a
consolidated report shows are at constant currency and not exchange-rate noise)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal

import psycopg
from psycopg.rows import dict_row

from dagster_project.reports.period import Month

CONSOLIDATED = "consolidated"
CURRENCY_VARIABLE = "HYBRID_REPORT_CURRENCY"  # the consolidated report's currency; default the first root's


class ScopeError(ValueError):
    """The company or the rates a report needs are not in the warehouse; the message says what is."""


@dataclass(frozen=True)
class Company:
    company_id: int
    name: str
    currency: str
    is_root: bool


@dataclass(frozen=True)
class Scope:
    name: str
    company_id: int | None
    currency: str
    factors: dict[int, Decimal]  # company -> report currency per unit of the company's currency
    names: dict[int, str]
    translation: str

    def params(self) -> dict[str, list]:
        ids = sorted(self.factors)
        return {"companies": ids, "factors": [self.factors[i] for i in ids], "consolidated": self.company_id is None}


def companies(conn: psycopg.Connection) -> list[Company]:
    rows = conn.execute("SELECT company_id, company_name, currency_code, parent_company_id IS NULL "
                        "FROM warehouse.dim_company ORDER BY company_id").fetchall()
    return [Company(*row) for row in rows]


def resolve(conn: psycopg.Connection, company: str | None, month: Month) -> Scope:
    """`company` is a name (any case) or an id; None is the consolidated report."""
    known = companies(conn)
    if not known:
        raise ScopeError("the warehouse has no companies (warehouse.dim_company is empty); fix: build the marts "
                         "(hybrid dbt build, or materialize the warehouse assets in Dagster)")
    names = {c.company_id: c.name for c in known}
    if company is not None:
        chosen = next((c for c in known if company.strip().casefold() in (c.name.casefold(), str(c.company_id))),
                      None)
        if chosen is None:
            raise ScopeError(f"no company {company!r}; the companies are: "
                             + ", ".join(f"{c.name} (id {c.company_id})" for c in known))
        return Scope(chosen.name, chosen.company_id, chosen.currency, {chosen.company_id: Decimal(1)}, names, "")
    currency = os.environ.get(CURRENCY_VARIABLE) or next(c.currency for c in known if c.is_root)
    factors = {c.company_id: _factor(conn, c, currency, known, month) for c in known}
    foreign = sorted({c.currency for c in known if c.currency != currency})
    translation = (f"{', '.join(foreign)} amounts translated into {currency} at the rates of "
                   f"{month.last_day.isoformat()}, for every month shown" if foreign else "")
    return Scope(CONSOLIDATED, None, currency, factors, names, translation)


def _factor(conn: psycopg.Connection, company: Company, currency: str, known: list[Company], month: Month) -> Decimal:
    if company.currency == currency:
        return Decimal(1)
    holders = [c.company_id for c in known if c.is_root and c.currency == currency]
    row = conn.execute(
        "SELECT rates.company_currency_per_unit FROM warehouse.dim_currency AS rates "
        "WHERE rates.company_id = ANY(%s) AND rates.currency_code = %s AND rates.valid_from <= %s "
        "AND (rates.valid_to IS NULL OR rates.valid_to > %s) ORDER BY rates.company_id LIMIT 1",
        (holders, company.currency, month.last_day, month.last_day)).fetchone()
    if (row is None or row[0] is None) and not _posted_by(conn, company.company_id, month):
        return Decimal(1)  # nothing of the company's to translate yet: any factor gives the same zero figures
    if row is None or row[0] is None:
        raise ScopeError(f"no {company.currency} rate valid on {month.last_day} in a {currency} company to translate "
                         f"{company.name}'s figures; fix: enter the rate in Odoo (Accounting > Currencies) or set "
                         f"{CURRENCY_VARIABLE} to the currency of a company that has one")
    return Decimal(row[0])


def _posted_by(conn: psycopg.Connection, company_id: int, month: Month) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM warehouse.fct_journal_items WHERE company_id = %s "
                        "AND is_posted AND accounting_date <= %s)", (company_id, month.last_day)).fetchone()[0]


def dict_cursor(conn: psycopg.Connection) -> psycopg.Cursor:
    return conn.cursor(row_factory=dict_row)
