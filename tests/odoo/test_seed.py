"""The seeded Odoo database: Odoo 19's shape, Odoo's accounting rules, deterministic content."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import psycopg
import pytest

from dagster_project.odoo import schema
from dagster_project.odoo.checksums import table_checksums
from dagster_project.odoo.generator.seed import SeedReport, seed_database

REFERENCE = json.loads(schema.COLUMNS_FILE.read_text())
MOVE_TYPES = {"entry", "out_invoice", "out_refund", "in_invoice", "in_refund", "out_receipt", "in_receipt"}
BUSINESS_TABLES = (
    "account_move",
    "account_move_line",
    "account_partial_reconcile",
    "account_payment",
    "res_partner",
    "hr_expense",
)


def scalar(conn: psycopg.Connection, query: str, params: tuple = ()) -> object:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def catalog_columns(conn: psycopg.Connection, table: str) -> dict[str, str]:
    return dict(
        conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            (table,),
        ).fetchall()
    )


def test_columns_and_types_equal_odoo19_reference(seeded_conn: psycopg.Connection) -> None:
    for table, spec in REFERENCE["tables"].items():
        expected = {col: ty.replace(" (serial PK)", "") for col, ty in spec["columns"].items()}
        assert catalog_columns(seeded_conn, table) == expected, table
    for table, columns in REFERENCE["link_tables"].items():
        if table in schema.TABLES_BY_NAME:
            assert catalog_columns(seeded_conn, table) == dict.fromkeys(columns, "integer"), table


def test_ids_are_serial_primary_keys(seeded_conn: psycopg.Connection) -> None:
    for table in schema.TABLES:
        if not table.is_link:
            assert scalar(seeded_conn, "SELECT pg_get_serial_sequence(%s, 'id')", (table.name,)), table.name


def test_link_tables_have_composite_primary_key_and_reverse_index(seeded_conn: psycopg.Connection) -> None:
    required = {
        "account_move_line_account_tax_rel",
        "expense_tax",
        "product_taxes_rel",
        "product_supplier_taxes_rel",
        "account_account_res_company_rel",
        "account_move__account_payment",
    }
    for name in required:
        first, second = REFERENCE["link_tables"][name]
        indexes = {
            (primary, tuple(cols))
            for primary, cols in seeded_conn.execute(
                "SELECT i.indisprimary, array_agg(a.attname ORDER BY k.n) FROM pg_index i "
                "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, n) ON true "
                "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                "WHERE i.indrelid = %s::regclass GROUP BY i.indexrelid, i.indisprimary",
                (name,),
            )
        }
        assert indexes == {(True, (first, second)), (False, (second, first))}, name


def test_common_keys_are_indexed(seeded_conn: psycopg.Connection) -> None:
    indexed = {
        (t, c)
        for t, c in seeded_conn.execute(
            "SELECT tablename, regexp_replace(indexdef, '.*\\((\\w+)\\).*', '\\1') FROM pg_indexes "
            "WHERE schemaname = 'public'"
        )
    }
    for table, column in (
        ("account_move_line", "move_id"),
        ("account_move_line", "account_id"),
        ("account_move_line", "partner_id"),
        ("account_move_line", "date"),
        ("account_move_line", "date_maturity"),
        ("account_move", "company_id"),
        ("account_move", "date"),
        ("account_partial_reconcile", "debit_move_id"),
    ):
        assert (table, column) in indexed


def test_every_accounting_invariant_holds(
    seeded_conn: psycopg.Connection, check_invariants: Callable[..., dict]
) -> None:
    assert check_invariants(seeded_conn) == {}


def test_trial_balance_is_zero_per_company(seeded_conn: psycopg.Connection) -> None:
    totals = seeded_conn.execute(
        "SELECT company_id, sum(balance), sum(debit), count(*) FROM account_move_line "
        "WHERE parent_state = 'posted' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert [row[0] for row in totals] == [1, 2, 3]
    for company_id, balance, debit, count in totals:
        assert balance == 0, company_id
        assert debit > 0 and count > 1000, company_id


def test_every_move_type_state_and_payment_state_appears(seeded_conn: psycopg.Connection) -> None:
    assert {r[0] for r in seeded_conn.execute("SELECT DISTINCT move_type FROM account_move")} == MOVE_TYPES
    assert {r[0] for r in seeded_conn.execute("SELECT DISTINCT state FROM account_move")} == {
        "draft",
        "posted",
        "cancel",
    }
    for move_type in MOVE_TYPES - {"entry"}:
        states = {
            r[0]
            for r in seeded_conn.execute("SELECT DISTINCT state FROM account_move WHERE move_type = %s", (move_type,))
        }
        assert states == {"draft", "posted", "cancel"}, move_type
    assert {r[0] for r in seeded_conn.execute("SELECT DISTINCT payment_state FROM account_move")} == {
        "not_paid",
        "partial",
        "paid",
        "in_payment",
        "reversed",
    }
    assert {r[0] for r in seeded_conn.execute("SELECT DISTINCT state FROM account_payment")} == {"paid", "in_process"}


def test_drafts_are_named_slash_and_posted_moves_follow_journal_sequences(seeded_conn: psycopg.Connection) -> None:
    drafts = seeded_conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE name <> '/') FROM account_move WHERE state = 'draft'"
    ).fetchone()
    assert drafts is not None and drafts[0] > 50 and drafts[1] == 0
    names = [
        r[0]
        for r in seeded_conn.execute(
            "SELECT m.name FROM account_move m JOIN account_journal j ON j.id = m.journal_id "
            "WHERE m.state = 'posted' AND j.code = 'BILL' AND m.move_type = 'in_invoice' ORDER BY m.id LIMIT 3"
        )
    ]
    assert names[0].startswith("BILL/") and all(re.fullmatch(r"BILL/\d{4}/\d{5}", n) for n in names)
    prefixes = {r[0] for r in seeded_conn.execute("SELECT DISTINCT split_part(name, '/', 1) FROM account_move")}
    assert {"INV", "RINV", "BILL", "RBILL", "PBNK1", "MISC", "EXCH", "CINV", "PBNK2", ""} <= prefixes


def test_vendor_bills_carry_the_vendors_bill_number(seeded_conn: psycopg.Connection) -> None:
    row = seeded_conn.execute(
        "SELECT count(*), count(ref), count(DISTINCT (commercial_partner_id, ref)) FROM account_move m "
        "WHERE move_type = 'in_invoice' AND state = 'posted' "
        "AND NOT EXISTS (SELECT 1 FROM hr_expense e WHERE e.account_move_id = m.id)"
    ).fetchone()
    assert row is not None and row[0] > 1000 and row[0] == row[1] == row[2]


def test_bills_and_customer_refunds_have_negative_signed_amounts(seeded_conn: psycopg.Connection) -> None:
    rows = dict(
        seeded_conn.execute(
            "SELECT move_type, bool_and(amount_total_signed < 0 AND amount_total > 0) FROM account_move "
            "WHERE move_type IN ('in_invoice', 'out_refund', 'in_receipt') GROUP BY 1"
        ).fetchall()
    )
    assert rows == {"in_invoice": True, "out_refund": True, "in_receipt": True}
    rows = dict(
        seeded_conn.execute(
            "SELECT move_type, bool_and(amount_total_signed > 0 AND amount_total > 0) FROM account_move "
            "WHERE move_type IN ('out_invoice', 'in_refund', 'out_receipt') GROUP BY 1"
        ).fetchall()
    )
    assert rows == {"out_invoice": True, "in_refund": True, "out_receipt": True}


def test_foreign_currency_invoices_are_converted_at_the_rate_of_their_date(seeded_conn: psycopg.Connection) -> None:
    row = seeded_conn.execute("""
        SELECT count(*), count(*) FILTER (WHERE l.balance <> round(l.amount_currency / r.rate, 2)),
               count(DISTINCT m.id) FILTER (WHERE m.company_id = 1 AND cur.name = 'USD')
        FROM account_move m
        JOIN account_move_line l ON l.move_id = m.id AND l.display_type IN ('product', 'tax')
        JOIN res_company c ON c.id = m.company_id
        JOIN res_currency cur ON cur.id = m.currency_id
        JOIN res_currency_rate r ON r.company_id = coalesce(c.parent_id, c.id)
             AND r.currency_id = m.currency_id AND r.name = m.date
        WHERE m.move_type IN ('out_invoice', 'in_invoice') AND m.state = 'posted'
          AND m.currency_id <> c.currency_id""").fetchone()
    assert row is not None
    lines, wrong, usd_invoices_in_php_company = row
    assert lines > 1000 and wrong == 0 and usd_invoices_in_php_company > 100


def test_exchange_differences_close_foreign_currency_payments(seeded_conn: psycopg.Connection) -> None:
    row = seeded_conn.execute("""
        SELECT count(DISTINCT m.id), count(*) FILTER (WHERE l.amount_currency <> 0)
        FROM account_move m JOIN account_journal j ON j.id = m.journal_id
        JOIN account_move_line l ON l.move_id = m.id WHERE j.code LIKE '%EXCH'""").fetchone()
    assert row is not None and row[0] > 20 and row[1] == 0


def test_partly_paid_invoices_have_matched_and_open_installments(seeded_conn: psycopg.Connection) -> None:
    row = seeded_conn.execute("""
        WITH per_invoice AS (
            SELECT m.id, bool_or(l.matching_number IS NOT NULL) AS partly_matched,
                   bool_or(l.amount_residual <> 0 AND NOT l.reconciled AND l.full_reconcile_id IS NULL) AS still_open
            FROM account_move m JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'payment_term'
            WHERE m.move_type = 'out_invoice' AND m.payment_state = 'partial' GROUP BY m.id)
        SELECT count(*), count(*) FILTER (WHERE partly_matched AND still_open),
               count(*) FILTER (WHERE still_open AND partly_matched AND id IN (
                   SELECT move_id FROM account_move_line WHERE matching_number LIKE 'P%%'))
        FROM per_invoice""").fetchone()
    assert row is not None and row[0] > 50 and row[0] == row[1] and row[2] > 50


def test_every_aging_bucket_has_open_receivables_and_payables_per_company(
    seeded_conn: psycopg.Connection, check_aging: Callable[..., set], seed_today
) -> None:
    assert check_aging(seeded_conn, seed_today) == set()


def test_partners_have_company_dependent_accounts_per_company(seeded_conn: psycopg.Connection) -> None:
    row = seeded_conn.execute("""
        SELECT count(*), count(*) FILTER (WHERE a.account_type = 'asset_receivable'
                                          AND r.res_company_id = k.key::int)
        FROM res_partner p CROSS JOIN LATERAL jsonb_each(p.property_account_receivable_id) k
        JOIN account_account a ON a.id = k.value::int
        LEFT JOIN account_account_res_company_rel r ON r.account_account_id = a.id AND r.res_company_id = k.key::int
        WHERE p.property_account_receivable_id IS NOT NULL""").fetchone()
    assert row is not None and row[0] > 500 and row[0] == row[1]
    contacts = scalar(
        seeded_conn,
        "SELECT count(*) FROM res_partner p JOIN res_partner c ON c.id = p.parent_id "
        "WHERE p.commercial_partner_id = c.id AND c.is_company",
    )
    assert contacts > 50  # type: ignore[operator]


def test_accounts_are_coded_per_root_company_and_shared_with_the_branch(seeded_conn: psycopg.Connection) -> None:
    codes = dict(
        seeded_conn.execute(
            "SELECT c.name, array_agg(DISTINCT k ORDER BY k) FROM account_account a "
            "JOIN account_account_res_company_rel r ON r.account_account_id = a.id "
            "JOIN res_company c ON c.id = r.res_company_id CROSS JOIN LATERAL jsonb_object_keys(a.code_store) k "
            "GROUP BY c.name"
        ).fetchall()
    )
    assert codes == {
        "Hybrid Finance PH Inc.": ["1"],
        "Hybrid Finance US LLC": ["2"],
        "Hybrid Finance PH - Cebu Branch": ["1"],
    }
    name = scalar(seeded_conn, "SELECT name FROM account_account WHERE code_store->>'1' = '101501'")
    assert name == {"en_US": "Cash", "fr_FR": "Caisse"}


def test_expenses_in_every_state_with_entries_once_posted(seeded_conn: psycopg.Connection) -> None:
    rows = dict(
        seeded_conn.execute(
            "SELECT state, count(account_move_id) FILTER (WHERE account_move_id IS NOT NULL) * 1.0 / count(*) "
            "FROM hr_expense GROUP BY 1"
        ).fetchall()
    )
    assert set(rows) == {"draft", "submitted", "approved", "refused", "posted", "in_payment", "paid"}
    assert all(rows[s] == 1 for s in ("posted", "in_payment", "paid"))
    assert all(rows[s] == 0 for s in ("draft", "submitted", "approved", "refused"))


def test_audit_columns_are_filled(seeded_conn: psycopg.Connection) -> None:
    for table in schema.TABLES:
        if table.is_link:
            continue
        missing = scalar(
            seeded_conn,
            f"SELECT count(*) FROM {table.name} WHERE create_uid IS NULL "  # noqa: S608
            "OR create_date IS NULL OR write_uid IS NULL OR write_date IS NULL OR write_date < create_date",
        )
        assert missing == 0, table.name


def test_report_counts_match_the_tables(seeded: tuple[str, SeedReport], seeded_conn: psycopg.Connection) -> None:
    report = seeded[1]
    for table in schema.TABLES:
        assert report.rows[table.name] == scalar(seeded_conn, f"SELECT count(*) FROM {table.name}"), table.name  # noqa: S608
    assert 45_000 <= report.move_lines <= 55_000
    assert report.move_lines == report.rows["account_move_line"]


def test_sequences_continue_after_the_seeded_ids(seeded_conn: psycopg.Connection) -> None:
    with seeded_conn.transaction(force_rollback=True):
        top = scalar(seeded_conn, "SELECT max(id) FROM account_move")
        new = scalar(
            seeded_conn,
            "INSERT INTO account_move (name, date, state, move_type, journal_id, company_id, "
            "currency_id) VALUES ('/', current_date, 'draft', 'entry', 1, 1, 1) RETURNING id",
        )
        assert new == top + 1  # type: ignore[operator]


def test_same_seed_gives_identical_tables_and_another_seed_different_ones(
    seeded: tuple[str, SeedReport], make_database: Callable[[str], str], seed_today
) -> None:
    again = make_database("odoo_test_seed_again")
    other = make_database("odoo_test_seed_other")
    seed_database(again, scale=1, seed=42, today=seed_today)
    seed_database(other, scale=1, seed=7, today=seed_today)
    with psycopg.connect(seeded[0]) as a, psycopg.connect(again) as b, psycopg.connect(other) as c:
        first, second, third = table_checksums(a), table_checksums(b), table_checksums(c)
    assert set(first) == {table.name for table in schema.TABLES}
    assert first == second
    for table in BUSINESS_TABLES:
        assert first[table] != third[table], table


def test_checksum_changes_with_any_value(seeded_conn: psycopg.Connection) -> None:
    before = table_checksums(seeded_conn, ["account_move_line"])
    with seeded_conn.transaction(force_rollback=True):
        seeded_conn.execute("UPDATE account_move_line SET name = name || ' ' WHERE id = 1")
        assert table_checksums(seeded_conn, ["account_move_line"]) != before
    assert table_checksums(seeded_conn, ["account_move_line"]) == before


def test_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="scale"):
        seed_database("postgresql://unused", scale=0, today=None)  # type: ignore[arg-type]
