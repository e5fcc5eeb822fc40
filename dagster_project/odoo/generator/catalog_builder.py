"""Building the catalog of a seed: master data with ids in creation order, and the rows of its tables."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from dagster_project.odoo.generator import master_rows as mr
from dagster_project.odoo.generator import party_rows as pr
from dagster_project.odoo.generator.catalog import (
    Catalog,
    Company,
    Counters,
    Employee,
    Journal,
    Partner,
    Product,
    Tax,
    Term,
)
from dagster_project.odoo.generator.specs import (
    ACCOUNT_FR,
    CHART,
    COMPANIES,
    CURRENCIES,
    FIRST_NAMES,
    JOB_TITLES,
    JOURNALS,
    LAST_NAMES,
    PRODUCTS,
    SUFFIXES,
    TAXES,
    TERMS,
    WORDS_A,
    WORDS_B,
    CompanySpec,
)


@dataclass
class StaticRows:
    """Rows of the small tables, keyed by table, with their column lists."""

    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rows: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)

    def add(self, table: str, columns: tuple[str, ...], row: tuple[object, ...]) -> None:
        self.columns.setdefault(table, columns)
        self.rows.setdefault(table, []).append(row)


class CatalogBuilder:
    """Master data of a seed: ids in creation order, rows for the small tables, the Catalog to use.

    Partners are written last (their ranks count the posted documents), from ``partners`` and the
    details in ``partner_rows``.
    """

    def __init__(self, rng: random.Random, ids: Counters, scale: int, start: dt.date) -> None:
        self.rng, self.ids, self.scale, self.start = rng, ids, scale, start
        self.created = f"{(start - dt.timedelta(days=30)).isoformat()} 08:00:00"
        self.out = StaticRows()
        self.partners: list[Partner] = []
        self.partner_rows: dict[int, dict[str, object]] = {}
        self.account_types: dict[int, str] = {}
        self.reconcilable: set[int] = set()

    def build(self) -> Catalog:
        currencies = self.currencies()
        companies = self.companies(currencies)
        terms = self.terms()
        products = self.products(companies)
        customers, vendors, contacts = self.trade_partners(companies)
        employees = self.employees(companies)
        residual = frozenset(
            acc
            for acc, kind in self.account_types.items()
            if kind in ("asset_cash", "liability_credit_card") or acc in self.reconcilable
        )
        return Catalog(
            currencies,
            companies,
            terms,
            products,
            customers,
            vendors,
            employees,
            contacts,
            residual,
            dict(self.account_types),
        )

    def currencies(self) -> dict[str, int]:
        ids = {}
        for name, full_name, symbol, numeric, position in CURRENCIES:
            ids[name] = self.ids("res_currency")
            row = mr.currency_row(ids[name], self.created, name, full_name, symbol, numeric, position)
            self.out.add("res_currency", mr.CURRENCY_COLUMNS, row)
        return ids

    def companies(self, currencies: dict[str, int]) -> dict[int, Company]:
        charts: dict[int, dict[str, int]] = {}
        companies = {}
        for spec in COMPANIES:
            root = spec.parent_id or spec.id
            partner = self.company_partner(spec)
            if root not in charts:
                charts[root] = self.chart(spec, currencies)
            accounts = dict(charts[root])
            if spec.parent_id:
                accounts["bank"] = accounts["branch_bank"]
            for account_id in set(charts[root].values()):
                self.out.add(
                    "account_account_res_company_rel", ("account_account_id", "res_company_id"), (account_id, spec.id)
                )
            root_currency = COMPANIES[root - 1].currency
            journals = self.journals(spec, accounts, currencies, root_currency)
            taxes = self.taxes(spec, accounts, root, companies)
            company = Company(
                spec.id, spec.name, root, currencies[spec.currency], partner.id, accounts, journals, taxes
            )
            companies[spec.id] = company
            self.out.add("res_company", mr.COMPANY_COLUMNS, mr.company_row(spec, company, self.created))
        return companies

    def company_partner(self, spec: CompanySpec) -> Partner:
        partner = Partner(self.ids("res_partner"), spec.name, 0, "company")
        partner.commercial_id = partner.id
        self.partners.append(partner)
        self.partner_rows[partner.id] = {
            "is_company": True,
            "city": spec.city,
            "ref": None,
            "email": mr.company_email(spec),
            "vat": None,
            "parent_id": None,
            "company_id": spec.id,
            "type": "contact",
        }
        return partner

    def chart(self, spec: CompanySpec, currencies: dict[str, int]) -> dict[str, int]:
        accounts = {}
        for role, code, name, kind, reconcile, currency in CHART:
            if role in ("bank_foreign", "branch_bank") and spec.currency != "PHP":
                continue
            account_id = self.ids("account_account")
            accounts[role] = account_id
            self.account_types[account_id] = kind
            if reconcile:
                self.reconcilable.add(account_id)
            names = {"fr_FR": ACCOUNT_FR[role]} if role in ACCOUNT_FR else {}
            currency_id = currencies[currency] if currency else None
            row = mr.account_row(
                account_id, self.created, name, names, currency_id, {str(spec.id): code}, kind, reconcile
            )
            self.out.add("account_account", mr.ACCOUNT_COLUMNS, row)
        return accounts

    def journals(
        self, spec: CompanySpec, accounts: dict[str, int], currencies: dict[str, int], root_currency: str
    ) -> dict[str, Journal]:
        journals = {}
        for sequence, (role, code, name, kind, account_role, currency) in enumerate(JOURNALS, start=1):
            if role == "bank_foreign" and (spec.parent_id or root_currency != "PHP"):
                continue
            journal = Journal(
                self.ids("account_journal"),
                spec.id,
                spec.journal_prefix + code,
                name,
                kind,
                accounts[account_role] if account_role else None,
                currencies[currency] if currency else None,
            )
            journals[role] = journal
            self.out.add("account_journal", mr.JOURNAL_COLUMNS, mr.journal_row(journal, self.created, sequence))
        return journals

    def taxes(
        self, spec: CompanySpec, accounts: dict[str, int], root: int, companies: dict[int, Company]
    ) -> dict[str, Tax]:
        if spec.parent_id:  # branches use their parent company's taxes
            return companies[root].taxes
        taxes = {}
        for sequence, (role, name, use, points, account_role) in enumerate(TAXES[spec.currency], start=1):
            tax = Tax(self.ids("account_tax"), spec.id, name, use, points, accounts[account_role])
            taxes[role] = tax
            self.out.add("account_tax", mr.TAX_COLUMNS, mr.tax_row(tax, self.created, sequence))
        return taxes

    def terms(self) -> list[Term]:
        terms = []
        for sequence, (name, schedule) in enumerate(TERMS, start=1):
            term = Term(self.ids("account_payment_term"), name, schedule)
            terms.append(term)
            self.out.add("account_payment_term", mr.TERM_COLUMNS, mr.term_row(term, self.created, sequence))
        return terms

    def products(self, companies: dict[int, Company]) -> dict[str, list[Product]]:
        products: dict[str, list[Product]] = {}
        roots = [c for c in companies.values() if c.root_id == c.id]
        for index, (name, kind, price, use, account_role) in enumerate(PRODUCTS, start=1):
            template_id, product_id = self.ids("product_template"), self.ids("product_product")
            code = f"{use[:1].upper()}{index:04d}"
            products.setdefault(use, []).append(Product(product_id, name, price, use, account_role))
            template = pr.template_row(template_id, self.created, name, kind, price, use, code)
            self.out.add("product_template", pr.TEMPLATE_COLUMNS, template)
            product = pr.product_row(product_id, self.created, code, template_id, price, [c.id for c in roots])
            self.out.add("product_product", pr.PRODUCT_COLUMNS, product)
            table, role = ("product_taxes_rel", "sale") if use == "sale" else ("product_supplier_taxes_rel", "purchase")
            for company in roots:
                self.out.add(table, ("prod_id", "tax_id"), (template_id, company.taxes[role].id))
        return products

    def trade_partners(
        self, companies: dict[int, Company]
    ) -> tuple[list[Partner], list[Partner], dict[int, list[Partner]]]:
        customers = [self.trade_partner(companies, "customer", n) for n in range(1, 120 * self.scale + 1)]
        vendors = [self.trade_partner(companies, "vendor", n) for n in range(1, 60 * self.scale + 1)]
        contacts: dict[int, list[Partner]] = {}
        for company_partner in customers + vendors:
            if self.partner_rows[company_partner.id]["is_company"]:
                for _ in range(self.rng.randrange(0, 3)):
                    contacts.setdefault(company_partner.id, []).append(self.contact(company_partner))
        return customers, vendors, contacts

    def trade_partner(self, companies: dict[int, Company], kind: str, number: int) -> Partner:
        rng = self.rng
        is_company = kind == "vendor" or rng.random() < 0.8
        if is_company:
            name = f"{rng.choice(WORDS_A)} {rng.choice(WORDS_B)} {rng.choice(SUFFIXES)}"
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        partner = Partner(self.ids("res_partner"), name, 0, kind)
        partner.commercial_id = partner.id
        self.property_accounts(partner, companies)
        us = rng.random() < 0.35
        vat = (
            f"{rng.randrange(10, 99)}-{rng.randrange(1000000, 9999999)}"
            if us
            else f"{rng.randrange(100, 999)}-{rng.randrange(100, 999)}-{rng.randrange(100, 999)}-000"
        )
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        self.partner_rows[partner.id] = {
            "is_company": is_company,
            "city": rng.choice(("Austin", "Dallas"))
            if us
            else rng.choice(("Makati", "Pasig", "Taguig", "Cebu City", "Davao City", "Quezon City")),
            "ref": f"{kind[0].upper()}{number:05d}",
            "vat": vat if is_company else None,
            "parent_id": None,
            "email": f"billing@{slug}.example.com" if is_company else f"{slug}@mail.example.com",
            "company_id": None,
            "type": "contact",
            "tz": "America/Chicago" if us else "Asia/Manila",
        }
        self.partners.append(partner)
        return partner

    def property_accounts(self, partner: Partner, companies: dict[int, Company]) -> None:
        for company in companies.values():
            partner.receivable[company.id] = company.accounts["receivable"]
            partner.payable[company.id] = company.accounts["payable"]

    def contact(self, parent: Partner) -> Partner:
        rng = self.rng
        person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        partner = Partner(
            self.ids("res_partner"), f"{parent.name}, {person}", parent.id, "contact", parent.receivable, parent.payable
        )
        parent_row = self.partner_rows[parent.id]
        slug = person.lower().replace(" ", ".")
        self.partner_rows[partner.id] = {
            **parent_row,
            "is_company": False,
            "ref": None,
            "vat": parent_row["vat"],
            "parent_id": parent.id,
            "email": f"{slug}@{str(parent_row['email']).split('@')[1]}",
            "type": rng.choice(("contact", "invoice")),
            "short_name": person,
        }
        self.partners.append(partner)
        return partner

    def employees(self, companies: dict[int, Company]) -> dict[int, list[Employee]]:
        employees: dict[int, list[Employee]] = {}
        for company in companies.values():
            for _ in range(8 + 2 * self.scale):
                employee = self.employee(company, companies)
                employees.setdefault(company.id, []).append(employee)
        return employees

    def employee(self, company: Company, companies: dict[int, Company]) -> Employee:
        """An employee with the private partner their expenses are paid to."""
        name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
        partner = Partner(self.ids("res_partner"), name, 0, "employee")
        partner.commercial_id = partner.id
        self.property_accounts(partner, companies)
        email = f"{name.lower().replace(' ', '.')}@hybrid.example.com"
        self.partner_rows[partner.id] = {
            "is_company": False,
            "city": None,
            "ref": None,
            "vat": None,
            "parent_id": None,
            "email": email,
            "company_id": company.id,
            "type": "contact",
        }
        self.partners.append(partner)
        employee = Employee(self.ids("hr_employee"), name, company.id, partner)
        row = pr.employee_row(employee, self.created, self.rng.choice(JOB_TITLES), email)
        self.out.add("hr_employee", pr.EMPLOYEE_COLUMNS, row)
        return employee

    def partner_table(self, catalog: Catalog) -> list[tuple[object, ...]]:
        """res_partner rows in id order, with the ranks the stories gave the partners."""
        roots = sorted({c.root_id for c in catalog.companies.values()})
        term_id = catalog.terms[2].id
        return [
            pr.partner_row(p, self.partner_rows[p.id], self.created, roots, term_id)
            for p in sorted(self.partners, key=lambda p: p.id)
        ]
