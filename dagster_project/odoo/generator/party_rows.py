"""Rows of the master tables of parties and products (product templates and variants, employees, partners),
each table's column order right above the function that builds its row in that order."""

from __future__ import annotations

from collections.abc import Sequence

from dagster_project.odoo.generator.audit import AUDIT_COLUMNS, audit
from dagster_project.odoo.generator.catalog import Employee, Partner
from dagster_project.odoo.generator.copytext import jtext, money, translated

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
