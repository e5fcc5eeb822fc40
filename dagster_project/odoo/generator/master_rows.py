"""Rows of the company-side master tables (currencies, rates, accounts, journals, taxes, companies, payment
terms), each table's column order right above the function that builds its row in that order; the audit
columns every table starts with are written by `audit()` alone."""

from __future__ import annotations

import datetime as dt

from dagster_project.odoo.generator.audit import AUDIT_COLUMNS, audit
from dagster_project.odoo.generator.catalog import Company, Journal, Tax, Term
from dagster_project.odoo.generator.copytext import jtext, rate_text, translated
from dagster_project.odoo.generator.specs import CompanySpec

CURRENCY_COLUMNS = (
    *AUDIT_COLUMNS,
    "name",
    "iso_numeric",
    "full_name",
    "symbol",
    "rounding",
    "decimal_places",
    "active",
    "position",
    "currency_unit_label",
    "currency_subunit_label",
)


def currency_row(
    currency_id: int, created: str, name: str, full_name: str, symbol: str, numeric: int, position: str
) -> tuple[object, ...]:
    return (
        currency_id,
        *audit(created),
        name,
        numeric,
        full_name,
        symbol,
        "0.01",
        2,
        True,
        position,
        translated(full_name.split()[-1].capitalize()),
        translated("Cents"),
    )


RATE_COLUMNS = (*AUDIT_COLUMNS, "name", "rate", "currency_id", "company_id")


def rate_row(
    rate_id: int, created: str, day: dt.date, rate: int, currency_id: int, company_id: int
) -> tuple[object, ...]:
    return (rate_id, *audit(created), day, rate_text(rate), currency_id, company_id)


ACCOUNT_COLUMNS = (
    *AUDIT_COLUMNS,
    "name",
    "description",
    "currency_id",
    "code_store",
    "active",
    "account_type",
    "reconcile",
    "note",
    "non_trade",
)


def account_row(
    account_id: int,
    created: str,
    name: str,
    names: dict[str, str],
    currency_id: int | None,
    codes: dict[str, str],
    kind: str,
    reconcile: bool,
) -> tuple[object, ...]:
    """An account_account row; ``codes`` is the jsonb code_store keyed by root company id."""
    return (
        account_id,
        *audit(created),
        translated(name, **names),
        None,
        currency_id,
        jtext(codes),
        True,
        kind,
        reconcile,
        None,
        False,
    )


JOURNAL_COLUMNS = (
    *AUDIT_COLUMNS,
    "name",
    "code",
    "active",
    "type",
    "is_self_billing",
    "default_account_id",
    "restrict_mode_hash_table",
    "sequence",
    "invoice_reference_type",
    "invoice_reference_model",
    "currency_id",
    "company_id",
    "refund_sequence",
    "payment_sequence",
    "show_on_dashboard",
    "color",
    "bank_statements_source",
)


def journal_row(journal: Journal, created: str, sequence: int) -> tuple[object, ...]:
    kind = journal.type
    return (
        journal.id,
        *audit(created),
        translated(journal.name),
        journal.code,
        True,
        kind,
        False,
        journal.default_account_id,
        kind in ("sale", "purchase"),
        sequence,
        "invoice",
        "odoo",
        journal.currency_id,
        journal.company_id,
        kind in ("sale", "purchase"),
        kind in ("bank", "cash"),
        True,
        sequence % 12,
        "undefined" if kind == "bank" else None,
    )


TAX_COLUMNS = (
    *AUDIT_COLUMNS,
    "name",
    "type_tax_use",
    "tax_scope",
    "amount_type",
    "active",
    "company_id",
    "sequence",
    "amount",
    "description",
    "invoice_label",
    "price_include_override",
    "include_base_amount",
    "is_base_affected",
    "analytic",
    "tax_group_id",
    "tax_exigibility",
    "cash_basis_transition_account_id",
    "country_id",
)


def tax_row(tax: Tax, created: str, sequence: int) -> tuple[object, ...]:
    points = tax.basis_points
    return (
        tax.id,
        *audit(created),
        translated(tax.name),
        tax.use,
        None,
        "percent",
        True,
        tax.company_id,
        sequence,
        f"{points // 100}.{points % 100:02d}",
        None,
        translated(tax.name),
        "tax_excluded",
        False,
        True,
        False,
        None,
        "on_invoice",
        None,
        None,
    )


COMPANY_COLUMNS = (
    *AUDIT_COLUMNS,
    "name",
    "active",
    "sequence",
    "parent_id",
    "parent_path",
    "partner_id",
    "currency_id",
    "email",
    "uses_default_logo",
    "fiscalyear_last_day",
    "fiscalyear_last_month",
    "chart_template",
    "bank_account_code_prefix",
    "cash_account_code_prefix",
    "transfer_account_code_prefix",
    "account_sale_tax_id",
    "account_purchase_tax_id",
    "tax_calculation_rounding_method",
    "currency_exchange_journal_id",
    "income_currency_exchange_account_id",
    "expense_currency_exchange_account_id",
    "anglo_saxon_accounting",
    "account_storno",
    "quick_edit_mode",
    "income_account_id",
    "expense_account_id",
    "expense_journal_id",
    "autopost_bills",
    "restrictive_audit_trail",
)


def company_row(spec: CompanySpec, company: Company, created: str) -> tuple[object, ...]:
    parent_path = f"{spec.parent_id}/{spec.id}/" if spec.parent_id else f"{spec.id}/"
    acc, jr = company.accounts, company.journals
    return (
        company.id,
        *audit(created),
        spec.name,
        True,
        spec.id * 10,
        spec.parent_id,
        parent_path,
        company.partner_id,
        company.currency_id,
        company_email(spec),
        True,
        31,
        "12",
        spec.chart,
        "1014",
        "1015",
        "1017",
        company.taxes["sale"].id,
        company.taxes["purchase"].id,
        "round_per_line",
        jr["exch"].id,
        acc["fx_gain"],
        acc["fx_loss"],
        False,
        False,
        None,
        acc["income"],
        acc["expense"],
        jr["purchase"].id,
        True,
        False,
    )


def company_email(spec: CompanySpec) -> str:
    return f"accounting@{spec.city.lower().replace(' ', '')}.example.com"


TERM_COLUMNS = (
    *AUDIT_COLUMNS,
    "name",
    "active",
    "note",
    "display_on_invoice",
    "sequence",
    "company_id",
    "early_discount",
    "discount_percentage",
    "discount_days",
    "early_pay_discount_computation",
)


def term_row(term: Term, created: str, sequence: int) -> tuple[object, ...]:
    return (
        term.id,
        *audit(created),
        translated(term.name),
        True,
        translated(f"<p>Payment terms: {term.name}</p>"),
        True,
        sequence,
        None,
        False,
        2.0,
        10,
        "included",
    )
