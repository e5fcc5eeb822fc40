"""The seeded master data read back from an Odoo database: what live activity builds its documents from."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from dagster_project.odoo.generator.catalog import Catalog, Company, Journal, Partner, Product, Tax, Term
from dagster_project.odoo.generator.specs import CHART, JOURNALS, PRODUCTS, TAXES, TERMS

# ---------------------------------------------------------------------------------------------------
# The seeded master data, read back from the database.
# ---------------------------------------------------------------------------------------------------


def _company_rows(conn: psycopg.Connection) -> list[tuple[int, str, int | None, int, int]]:
    return conn.execute("SELECT id, name, parent_id, currency_id, partner_id FROM res_company ORDER BY id").fetchall()


def _accounts(conn: psycopg.Connection) -> tuple[dict[int, dict[str, int]], dict[int, str], set[int]]:
    roles = {code: role for role, code, *_ in CHART}
    charts: dict[int, dict[str, int]] = {}
    types: dict[int, str] = {}
    reconcilable = set()
    for account_id, code_store, kind, reconcile in conn.execute(
        "SELECT id, code_store, account_type, reconcile FROM account_account ORDER BY id"
    ):
        for company_id, code in code_store.items():
            charts.setdefault(int(company_id), {})[roles.get(code, code)] = account_id
        types[account_id] = kind
        if reconcile:
            reconcilable.add(account_id)
    return charts, types, reconcilable


def _journals(conn: psycopg.Connection) -> dict[int, dict[str, Journal]]:
    journals: dict[int, dict[str, Journal]] = {}
    for journal_id, company_id, code, name, kind, account_id, currency_id in conn.execute(
        "SELECT id, company_id, code, name->>'en_US', type, default_account_id, currency_id "
        "FROM account_journal ORDER BY id"
    ):
        role = next(r for r, suffix, *_ in JOURNALS if code.endswith(suffix))
        journals.setdefault(company_id, {})[role] = Journal(
            journal_id, company_id, code, name, kind, account_id, currency_id
        )
    return journals


def _taxes(
    conn: psycopg.Connection,
    currency_names: dict[int, str],
    companies: Sequence[tuple[int, str, int | None, int, int]],
    charts: dict[int, dict[str, int]],
) -> dict[int, dict[str, Tax]]:
    currency_of = {row[0]: currency_names[row[3]] for row in companies}
    taxes: dict[int, dict[str, Tax]] = {}
    for tax_id, company_id, name, use in conn.execute(
        "SELECT id, company_id, name->>'en_US', type_tax_use FROM account_tax ORDER BY id"
    ):
        role, _, _, points, account_role = next(
            t for t in TAXES[currency_of[company_id]] if t[1] == name and t[2] == use
        )
        taxes.setdefault(company_id, {})[role] = Tax(
            tax_id, company_id, name, use, points, charts[company_id][account_role]
        )
    return taxes


def _partners(conn: psycopg.Connection) -> tuple[list[Partner], list[Partner], dict[int, list[Partner]]]:
    customers: list[Partner] = []
    vendors: list[Partner] = []
    contacts: dict[int, list[Partner]] = {}
    bills = dict(
        conn.execute(
            "SELECT commercial_partner_id, count(*) FROM account_move "
            "WHERE move_type IN ('in_invoice', 'in_refund', 'in_receipt') GROUP BY 1"
        ).fetchall()
    )
    rows = conn.execute(
        "SELECT id, complete_name, commercial_partner_id, ref, parent_id, property_account_receivable_id, "
        "property_account_payable_id FROM res_partner WHERE property_account_receivable_id IS NOT NULL "
        "ORDER BY id"
    ).fetchall()
    for partner_id, name, commercial_id, ref, parent_id, receivable, payable in rows:
        partner = Partner(
            partner_id,
            name,
            commercial_id,
            "contact" if parent_id else "trade",
            {int(k): v for k, v in receivable.items()},
            {int(k): v for k, v in payable.items()},
            bills=bills.get(partner_id, 0),
        )
        if parent_id:
            contacts.setdefault(parent_id, []).append(partner)
        elif ref and ref.startswith("C"):
            customers.append(partner)
        elif ref and ref.startswith("V"):
            vendors.append(partner)
    return customers, vendors, contacts


def _products(conn: psycopg.Connection) -> dict[str, list[Product]]:
    spec = {name: (price, use, role) for name, _, price, use, role in PRODUCTS}
    products: dict[str, list[Product]] = {}
    for product_id, name in conn.execute(
        "SELECT p.id, t.name->>'en_US' FROM product_product p "
        "JOIN product_template t ON t.id = p.product_tmpl_id ORDER BY p.id"
    ):
        price, use, role = spec[name]
        products.setdefault(use, []).append(Product(product_id, name, price, use, role))
    return products


def load_catalog(conn: psycopg.Connection) -> Catalog:
    """The catalog of a database made by ``seed_database``."""
    currencies = dict(conn.execute("SELECT name, id FROM res_currency").fetchall())
    names = {v: k for k, v in currencies.items()}
    company_rows = _company_rows(conn)
    charts, types, reconcilable = _accounts(conn)
    journals = _journals(conn)
    taxes = _taxes(conn, names, company_rows, charts)
    companies = {}
    for company_id, name, parent_id, currency_id, partner_id in company_rows:
        root = parent_id or company_id
        accounts = dict(charts[root])
        if parent_id:
            accounts["bank"] = accounts["branch_bank"]
        companies[company_id] = Company(
            company_id, name, root, currency_id, partner_id, accounts, journals[company_id], taxes[root]
        )
    schedules = dict(TERMS)
    terms = [
        Term(term_id, name, schedules[name])
        for term_id, name in conn.execute("SELECT id, name->>'en_US' FROM account_payment_term ORDER BY sequence, id")
    ]
    customers, vendors, contacts = _partners(conn)
    residual = frozenset(
        a for a, kind in types.items() if kind in ("asset_cash", "liability_credit_card") or a in reconcilable
    )
    return Catalog(currencies, companies, terms, _products(conn), customers, vendors, {}, contacts, residual, types)
