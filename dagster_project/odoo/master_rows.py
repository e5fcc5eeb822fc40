"""Rows of the master-data tables (currencies, accounts, journals, taxes, companies, terms, products,
employees, partners, rates), each with its column order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from dagster_project.odoo.catalog import Company, Employee, Journal, Partner, Tax, Term
from dagster_project.odoo.copytext import jtext, money, rate_text, translated
from dagster_project.odoo.specs import ADMIN_UID, CompanySpec

AUDIT_COLUMNS = ("id", "create_uid", "create_date", "write_uid", "write_date")
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
RATE_COLUMNS = (*AUDIT_COLUMNS, "name", "rate", "currency_id", "company_id")
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
TEMPLATE_COLUMNS = (
    *AUDIT_COLUMNS,
    "name",
    "sequence",
    "description_sale",
    "type",
    "service_tracking",
    "categ_id",
    "list_price",
    "sale_ok",
    "purchase_ok",
    "uom_id",
    "company_id",
    "active",
    "default_code",
    "is_favorite",
    "can_be_expensed",
)
PRODUCT_COLUMNS = (
    *AUDIT_COLUMNS,
    "default_code",
    "active",
    "product_tmpl_id",
    "barcode",
    "combination_indices",
    "standard_price",
    "is_favorite",
)
EMPLOYEE_COLUMNS = (
    *AUDIT_COLUMNS,
    "name",
    "active",
    "company_id",
    "department_id",
    "job_title",
    "work_contact_id",
    "work_email",
    "user_id",
    "parent_id",
    "coach_id",
    "employee_type",
)
PARTNER_COLUMNS = (
    *AUDIT_COLUMNS,
    "name",
    "complete_name",
    "parent_id",
    "ref",
    "lang",
    "tz",
    "vat",
    "active",
    "employee",
    "type",
    "city",
    "email",
    "phone",
    "is_company",
    "company_id",
    "partner_share",
    "commercial_partner_id",
    "commercial_company_name",
    "property_account_payable_id",
    "property_account_receivable_id",
    "property_payment_term_id",
    "supplier_rank",
    "customer_rank",
    "autopost_bills",
    "email_normalized",
    "message_bounce",
)


def audit(created: str) -> tuple[object, ...]:
    """The four audit columns of a row created (and last written) by the administrator at ``created``."""
    return (ADMIN_UID, created, ADMIN_UID, created)


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


def rate_row(
    rate_id: int, created: str, day: dt.date, rate: int, currency_id: int, company_id: int
) -> tuple[object, ...]:
    return (rate_id, *audit(created), day, rate_text(rate), currency_id, company_id)


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


def template_row(
    template_id: int, created: str, name: str, kind: str, price: int, use: str, code: str
) -> tuple[object, ...]:
    """A product_template row; ``price`` is the list price in cents, ``use`` sale, purchase or expense."""
    return (
        template_id,
        *audit(created),
        translated(name),
        1,
        None,
        kind,
        "no",
        1,
        money(price),
        use == "sale",
        use != "sale",
        1,
        None,
        True,
        code,
        False,
        use == "expense",
    )


def product_row(
    product_id: int, created: str, code: str, template_id: int, price: int, root_ids: Sequence[int]
) -> tuple[object, ...]:
    """A product_product row; the cost (60% of the list price) is company-dependent jsonb."""
    return (
        product_id,
        *audit(created),
        code,
        True,
        template_id,
        None,
        "",
        jtext({str(root): round(price * 0.6 / 100, 2) for root in root_ids}),
        False,
    )


def employee_row(employee: Employee, created: str, job_title: str, email: str) -> tuple[object, ...]:
    return (
        employee.id,
        *audit(created),
        employee.name,
        True,
        employee.company_id,
        None,
        job_title,
        employee.partner.id,
        email,
        None,
        None,
        None,
        "employee",
    )


def partner_row(
    partner: Partner, details: dict[str, object], created: str, root_ids: Sequence[int], term_id: int
) -> tuple[object, ...]:
    """A res_partner row; company-dependent fields are jsonb keyed by company id."""
    name = str(details.get("short_name", partner.name))
    parent_name = partner.name.split(", ")[0] if details["parent_id"] else None
    return (
        partner.id,
        *audit(created),
        name,
        partner.name,
        details["parent_id"],
        details["ref"],
        "en_US",
        details.get("tz", "Asia/Manila"),
        details["vat"],
        True,
        partner.kind == "employee",
        details["type"],
        details["city"],
        details["email"],
        f"+63 2 8{partner.id % 1000:03d} {partner.id % 9973:04d}",
        details["is_company"],
        details["company_id"],
        partner.kind not in ("company", "employee"),
        partner.commercial_id,
        parent_name or (partner.name if details["is_company"] else None),
        jtext({str(k): v for k, v in partner.payable.items()}) if partner.payable else None,
        jtext({str(k): v for k, v in partner.receivable.items()}) if partner.receivable else None,
        jtext({str(k): term_id for k in root_ids}) if partner.kind == "customer" else None,
        partner.supplier_rank,
        partner.customer_rank,
        "ask",
        str(details["email"]).lower(),
        0,
    )
