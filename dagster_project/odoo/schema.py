"""Odoo 19 finance tables as Postgres stores them, built from the reference column list.

Column names and types come from ``odoo19_columns.json`` (Odoo 19's stored fields), so the generated
database has the shape replication and dbt meet on a real Odoo server. Secondary indexes are separate
from the tables because the seed builds them after its bulk load.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg
from psycopg import sql

COLUMNS_FILE = Path(__file__).with_name("odoo19_columns.json")
AUDIT = (
    ("create_uid", "integer"),
    ("create_date", "timestamp without time zone"),
    ("write_uid", "integer"),
    ("write_date", "timestamp without time zone"),
)
_TYPE_RE = re.compile(
    r"^(integer|boolean|date|text|jsonb|numeric|bytea|double precision|"
    r"timestamp without time zone|character varying(\(\d+\))?)$"
)
_MAX_IDENT = 63

# Not in the reference JSON: the Odoo 19 stored columns of these models that we are confident of
# (account.tax, account.payment.term, hr.employee without the resource/hr extras).
EXTRA_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "account_tax": (
        ("name", "jsonb"),
        ("type_tax_use", "character varying"),
        ("tax_scope", "character varying"),
        ("amount_type", "character varying"),
        ("active", "boolean"),
        ("company_id", "integer"),
        ("sequence", "integer"),
        ("amount", "numeric"),
        ("description", "jsonb"),
        ("invoice_label", "jsonb"),
        ("price_include_override", "character varying"),
        ("include_base_amount", "boolean"),
        ("is_base_affected", "boolean"),
        ("analytic", "boolean"),
        ("tax_group_id", "integer"),
        ("tax_exigibility", "character varying"),
        ("cash_basis_transition_account_id", "integer"),
        ("country_id", "integer"),
    ),
    "account_payment_term": (
        ("name", "jsonb"),
        ("active", "boolean"),
        ("note", "jsonb"),
        ("display_on_invoice", "boolean"),
        ("sequence", "integer"),
        ("company_id", "integer"),
        ("early_discount", "boolean"),
        ("discount_percentage", "double precision"),
        ("discount_days", "integer"),
        ("early_pay_discount_computation", "character varying"),
    ),
    "hr_employee": (
        ("name", "character varying"),
        ("active", "boolean"),
        ("company_id", "integer"),
        ("department_id", "integer"),
        ("job_title", "character varying"),
        ("work_contact_id", "integer"),
        ("work_email", "character varying"),
        ("user_id", "integer"),
        ("parent_id", "integer"),
        ("coach_id", "integer"),
        ("employee_type", "character varying"),
    ),
}


@dataclass(frozen=True)
class Index:
    """A secondary index; ``where`` makes it partial, like Odoo's ``btree_not_null``."""

    columns: tuple[str, ...]
    unique: bool = False
    where: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]
    primary_key: tuple[str, ...] = ("id",)
    indexes: tuple[Index, ...] = ()
    checks: tuple[tuple[str, str], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    @property
    def is_link(self) -> bool:
        return self.primary_key != ("id",)


def _idx(*columns: str, unique: bool = False, where: str | None = None, name: str | None = None) -> Index:
    return Index(tuple(columns), unique, where, name)


def _not_null(column: str) -> Index:
    return Index((column,), where=f"{column} IS NOT NULL")


INDEXES: dict[str, tuple[Index, ...]] = {
    "res_currency": (_idx("name", unique=True, name="res_currency_unique_name"),),
    "res_currency_rate": (
        _idx("name", "currency_id", "company_id", unique=True, name="res_currency_rate_unique_name_per_day"),
        _idx("currency_id"),
        _idx("company_id"),
    ),
    "res_company": (_idx("parent_id"), _idx("parent_path")),
    "res_partner": (
        _idx("parent_id"),
        _idx("commercial_partner_id"),
        _idx("company_id"),
        _idx("ref"),
        _idx("vat"),
        _idx("name"),
        _idx("email_normalized"),
    ),
    "account_journal": (
        _idx("company_id", "code", unique=True, name="account_journal_code_company_uniq"),
        _idx("company_id"),
    ),
    "account_tax": (_idx("company_id"),),
    "product_product": (_idx("product_tmpl_id"), _idx("default_code")),
    "product_template": (_idx("company_id"), _idx("default_code")),
    "hr_employee": (_idx("company_id"), _not_null("work_contact_id")),
    "account_move": (
        _idx(
            "name", "journal_id", unique=True, where="state = 'posted' AND name <> '/'", name="account_move_unique_name"
        ),
        _idx("journal_id", "sequence_prefix", "sequence_number", name="account_move_sequence_index"),
        _idx("date"),
        _idx("state"),
        _idx("move_type"),
        _idx("journal_id"),
        _idx("company_id"),
        _idx("partner_id"),
        _idx("commercial_partner_id"),
        _idx("invoice_date"),
        _idx("invoice_date_due"),
        _idx("payment_state"),
        _idx("ref"),
        _not_null("origin_payment_id"),
        _not_null("reversed_entry_id"),
        _not_null("statement_line_id"),
    ),
    "account_move_line": (
        _idx("move_id"),
        _idx("account_id"),
        _idx("partner_id"),
        _idx("company_id"),
        _idx("journal_id"),
        _idx("date"),
        _idx("date_maturity"),
        _idx("product_id"),
        _idx("tax_line_id"),
        _not_null("full_reconcile_id"),
        _not_null("matching_number"),
        _not_null("payment_id"),
        _not_null("expense_id"),
        _not_null("statement_line_id"),
        _idx("account_id", "partner_id", where="reconciled IS NOT TRUE", name="account_move_line__unreconciled_index"),
        _idx("partner_id", "ref", name="account_move_line_partner_id_ref_idx"),
        _idx("date", "move_name", "id", name="account_move_line_date_name_id_idx"),
    ),
    "account_partial_reconcile": (
        _idx("debit_move_id"),
        _idx("credit_move_id"),
        _not_null("full_reconcile_id"),
        _not_null("exchange_move_id"),
        _idx("company_id"),
    ),
    "account_payment": (
        _idx("journal_id"),
        _idx("company_id"),
        _idx("partner_id"),
        _not_null("move_id"),
        _idx("date"),
    ),
    "hr_expense": (
        _idx("employee_id"),
        _idx("company_id"),
        _idx("state"),
        _not_null("account_move_id"),
    ),
}

CHECKS: dict[str, tuple[tuple[str, str], ...]] = {
    "account_move_line": (
        ("account_move_line_check_credit_debit", "credit + debit >= 0 AND credit * debit = 0"),
        (
            "account_move_line_check_accountable_required_fields",
            "COALESCE(display_type IN ('line_section', 'line_note', 'line_subsection'), 'f') OR account_id IS NOT NULL",
        ),
    ),
}

# Parents before children (the few cycles Odoo has, company <-> partner, move <-> payment, are broken
# where the child is the more numerous table).
TABLE_ORDER = (
    "res_currency",
    "res_company",
    "res_currency_rate",
    "res_partner",
    "account_account",
    "account_account_res_company_rel",
    "account_tax",
    "account_payment_term",
    "account_journal",
    "product_template",
    "product_product",
    "product_taxes_rel",
    "product_supplier_taxes_rel",
    "hr_employee",
    "account_full_reconcile",
    "account_move",
    "account_payment",
    "account_move__account_payment",
    "account_move_line",
    "account_move_line_account_tax_rel",
    "account_partial_reconcile",
    "hr_expense",
    "expense_tax",
)


@cache
def _reference() -> dict:
    return json.loads(COLUMNS_FILE.read_text())


def reference_columns() -> dict[str, dict[str, str]]:
    """Odoo 19's stored columns per table (serial primary keys reported as ``integer``)."""
    data = _reference()
    tables = {
        name: {col: ty.replace(" (serial PK)", "") for col, ty in spec["columns"].items()}
        for name, spec in data["tables"].items()
    }
    for name, (first, second) in data["link_tables"].items():
        tables[name] = {first: "integer", second: "integer"}
    return tables


def _table(name: str) -> Table:
    ref = reference_columns()
    if name in EXTRA_COLUMNS:
        columns = (("id", "integer"), *AUDIT, *EXTRA_COLUMNS[name])
    else:
        columns = tuple(ref[name].items())
    link_columns = _reference()["link_tables"].get(name)
    return Table(
        name=name,
        columns=columns,
        primary_key=tuple(link_columns) if link_columns else ("id",),
        indexes=INDEXES.get(name, ()),
        checks=CHECKS.get(name, ()),
    )


TABLES: tuple[Table, ...] = tuple(_table(name) for name in TABLE_ORDER)
TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}


def ident_name(name: str) -> str:
    """Shorten a generated identifier to Postgres's 63 bytes the way Odoo does (stable hash suffix)."""
    if len(name) <= _MAX_IDENT:
        return name
    return f"{name[: _MAX_IDENT - 9]}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def _column_type(pg_type: str) -> sql.SQL:
    if not _TYPE_RE.match(pg_type):
        raise ValueError(f"unexpected column type {pg_type!r} in {COLUMNS_FILE.name}")
    return sql.SQL(pg_type)


def _column_def(table: Table, name: str, pg_type: str) -> sql.Composed:
    if name == "id" and not table.is_link:
        return sql.SQL("{} serial NOT NULL").format(sql.Identifier(name))
    not_null = sql.SQL(" NOT NULL") if name in table.primary_key else sql.SQL("")
    return sql.SQL("{} {}{}").format(sql.Identifier(name), _column_type(pg_type), not_null)


def constraint_sql(table: Table) -> list[sql.Composed]:
    """The primary key (Odoo's ``<table>_pkey``) and Odoo's SQL check constraints."""
    constraints = [
        sql.SQL("CONSTRAINT {} PRIMARY KEY ({})").format(
            sql.Identifier(ident_name(f"{table.name}_pkey")),
            sql.SQL(", ").join(map(sql.Identifier, table.primary_key)),
        )
    ]
    constraints.extend(
        sql.SQL("CONSTRAINT {} CHECK ({})").format(sql.Identifier(name), sql.SQL(expression))
        for name, expression in table.checks
    )
    return constraints


def create_table_sql(table: Table, *, constraints: bool = True) -> sql.Composed:
    parts = [_column_def(table, name, pg_type) for name, pg_type in table.columns]
    if constraints:
        parts.extend(constraint_sql(table))
    return sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(sql.Identifier(table.name), sql.SQL(", ").join(parts))


def add_constraints_sql(table: Table) -> sql.Composed:
    """Constraints for a table created without them (cheaper than checking them row by row on load)."""
    return sql.SQL("ALTER TABLE {} {}").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(sql.SQL("ADD {}").format(c) for c in constraint_sql(table)),
    )


def _index_name(table: Table, index: Index) -> str:
    if index.name:
        return index.name
    if table.is_link:
        return ident_name(f"{table.name}_{'_'.join(index.columns)}_idx")
    return ident_name(f"{table.name}__{'_'.join(index.columns)}_index")


def table_indexes(table: Table) -> tuple[Index, ...]:
    """The table's secondary indexes; link tables get Odoo's reverse-pair index."""
    if table.is_link:
        return (Index(tuple(reversed(table.primary_key))),)
    return table.indexes


def create_index_sql(table: Table, index: Index) -> sql.Composed:
    return sql.SQL("CREATE {}INDEX IF NOT EXISTS {} ON {} ({}){}").format(
        sql.SQL("UNIQUE ") if index.unique else sql.SQL(""),
        sql.Identifier(_index_name(table, index)),
        sql.Identifier(table.name),
        sql.SQL(", ").join(map(sql.Identifier, index.columns)),
        sql.SQL(" WHERE {}").format(sql.SQL(index.where)) if index.where else sql.SQL(""),
    )


def create_tables(conn: psycopg.Connection, *, constraints: bool = True) -> None:
    for table in TABLES:
        conn.execute(create_table_sql(table, constraints=constraints))


def index_statements(table: Table) -> list[sql.Composed]:
    return [create_index_sql(table, index) for index in table_indexes(table)]


def create_indexes(conn: psycopg.Connection) -> None:
    for table in TABLES:
        for statement in index_statements(table):
            conn.execute(statement)


def drop_schema(conn: psycopg.Connection) -> None:
    for table in reversed(TABLES):
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(table.name)))
