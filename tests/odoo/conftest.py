"""Shared fixtures and the accounting invariants every generated Odoo database must keep."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import psycopg
import pytest

from dagster_project.odoo.generator.seed import SeedReport, seed_database

TODAY = dt.date(2026, 3, 15)
SEED = 42

# Each query returns the offending rows; an empty result means the invariant holds.
INVARIANTS: dict[str, str] = {
    "posted move unbalanced": """
        SELECT move_id, sum(debit), sum(credit) FROM account_move_line WHERE parent_state = 'posted'
        GROUP BY move_id HAVING sum(debit) <> sum(credit)""",
    "line with debit and credit, negative side, or balance <> debit - credit": """
        SELECT id FROM account_move_line
        WHERE (debit <> 0 AND credit <> 0) OR debit < 0 OR credit < 0 OR balance <> debit - credit
           OR debit <> round(debit, 2) OR credit <> round(credit, 2)""",
    "amount_currency sign differs from balance, or differs in company currency": """
        SELECT id FROM account_move_line
        WHERE amount_currency * balance < 0
           OR (currency_id = company_currency_id AND amount_currency <> balance)""",
    "line disagrees with its move (state, name, company, journal, date)": """
        SELECT l.id FROM account_move_line l JOIN account_move m ON m.id = l.move_id
        WHERE l.parent_state <> m.state OR l.move_name <> m.name OR l.company_id <> m.company_id
           OR l.journal_id <> m.journal_id OR l.date <> m.date""",
    "move amounts differ from the sums of its lines": """
        WITH s AS (
            SELECT m.id, m.move_type,
                   CASE WHEN m.move_type IN ('out_invoice', 'in_refund', 'out_receipt') THEN -1 ELSE 1 END AS sign,
                   coalesce(sum(l.balance) FILTER (WHERE l.display_type = 'product'), 0) AS untaxed,
                   coalesce(sum(l.amount_currency) FILTER (WHERE l.display_type = 'product'), 0) AS untaxed_cur,
                   coalesce(sum(l.balance) FILTER (WHERE l.display_type = 'tax'), 0) AS tax,
                   coalesce(sum(l.amount_currency) FILTER (WHERE l.display_type = 'tax'), 0) AS tax_cur,
                   coalesce(sum(l.amount_residual) FILTER (WHERE l.display_type = 'payment_term'), 0) AS res,
                   coalesce(sum(l.amount_residual_currency)
                            FILTER (WHERE l.display_type = 'payment_term'), 0) AS res_cur,
                   coalesce(sum(l.balance) FILTER (WHERE l.balance > 0), 0) AS pos,
                   coalesce(sum(l.amount_currency) FILTER (WHERE l.balance > 0), 0) AS pos_cur
            FROM account_move m JOIN account_move_line l ON l.move_id = m.id GROUP BY m.id
        ), e AS (
            SELECT id, move_type = 'entry' AS entry, sign,
                   CASE WHEN move_type = 'entry' THEN 0 ELSE sign * untaxed_cur END AS amount_untaxed,
                   CASE WHEN move_type = 'entry' THEN 0 ELSE sign * tax_cur END AS amount_tax,
                   CASE WHEN move_type = 'entry' THEN pos_cur ELSE sign * (untaxed_cur + tax_cur) END AS amount_total,
                   CASE WHEN move_type = 'entry' THEN 0 ELSE -sign * res_cur END AS amount_residual,
                   CASE WHEN move_type = 'entry' THEN 0 ELSE -untaxed END AS amount_untaxed_signed,
                   CASE WHEN move_type = 'entry' THEN 0 ELSE -tax END AS amount_tax_signed,
                   CASE WHEN move_type = 'entry' THEN abs(pos) ELSE -(untaxed + tax) END AS amount_total_signed,
                   CASE WHEN move_type = 'entry' THEN 0 ELSE res END AS amount_residual_signed
            FROM s
        )
        SELECT m.id FROM account_move m JOIN e USING (id)
        WHERE m.amount_untaxed <> e.amount_untaxed OR m.amount_tax <> e.amount_tax
           OR m.amount_total <> e.amount_total OR m.amount_residual <> e.amount_residual
           OR m.amount_untaxed_signed <> e.amount_untaxed_signed OR m.amount_tax_signed <> e.amount_tax_signed
           OR m.amount_total_signed <> e.amount_total_signed
           OR m.amount_residual_signed <> e.amount_residual_signed
           OR m.amount_total_in_currency_signed <>
              CASE WHEN e.entry THEN abs(e.amount_total) ELSE -(e.sign * e.amount_total) END""",
    "line residual differs from balance minus reconciled amounts": """
        WITH d AS (SELECT debit_move_id AS id, sum(amount) AS a, sum(debit_amount_currency) AS c
                   FROM account_partial_reconcile GROUP BY 1),
             c AS (SELECT credit_move_id AS id, sum(amount) AS a, sum(credit_amount_currency) AS c
                   FROM account_partial_reconcile GROUP BY 1)
        SELECT l.id FROM account_move_line l JOIN account_account a ON a.id = l.account_id
        LEFT JOIN d ON d.id = l.id LEFT JOIN c ON c.id = l.id
        WHERE CASE WHEN a.reconcile OR a.account_type IN ('asset_cash', 'liability_credit_card') THEN
                   l.amount_residual <> l.balance - coalesce(d.a, 0) + coalesce(c.a, 0)
                   OR l.amount_residual_currency <> l.amount_currency - coalesce(d.c, 0) + coalesce(c.c, 0)
                   OR l.reconciled <> (l.amount_residual = 0 AND l.amount_residual_currency = 0)
              ELSE l.amount_residual <> 0 OR l.amount_residual_currency <> 0 OR l.reconciled
                   OR d.id IS NOT NULL OR c.id IS NOT NULL END""",
    "full reconcile inconsistent with its lines and partials": """
        SELECT p.id FROM account_partial_reconcile p
        JOIN account_move_line d ON d.id = p.debit_move_id JOIN account_move_line c ON c.id = p.credit_move_id
        WHERE d.full_reconcile_id IS DISTINCT FROM p.full_reconcile_id
           OR c.full_reconcile_id IS DISTINCT FROM p.full_reconcile_id
           OR d.matching_number IS DISTINCT FROM c.matching_number
           OR d.matching_number IS NULL
           OR (p.full_reconcile_id IS NOT NULL AND (d.matching_number <> p.full_reconcile_id::text
                                                    OR NOT d.reconciled OR NOT c.reconciled))
        UNION ALL
        SELECT min(id) FROM account_move_line WHERE matching_number LIKE 'P%%'
        GROUP BY matching_number HAVING bool_and(reconciled)
        UNION ALL
        SELECT f.id FROM account_full_reconcile f
        WHERE NOT EXISTS (SELECT 1 FROM account_move_line l WHERE l.full_reconcile_id = f.id)
        UNION ALL
        SELECT l.id FROM account_move_line l WHERE l.full_reconcile_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM account_partial_reconcile p
            WHERE l.id IN (p.debit_move_id, p.credit_move_id) AND p.full_reconcile_id = l.full_reconcile_id)""",
    "payment_state disagrees with the reconciliations": """
        WITH cp AS (
            SELECT src.move_id, cm.move_type, pay.id IS NOT NULL AS is_pay, coalesce(pay.is_matched, false) AS ok
            FROM account_partial_reconcile p
            JOIN account_move_line src ON src.id IN (p.debit_move_id, p.credit_move_id)
            JOIN account_account a ON a.id = src.account_id
            JOIN account_move_line other ON other.id = CASE WHEN src.id = p.debit_move_id
                                                            THEN p.credit_move_id ELSE p.debit_move_id END
            JOIN account_move cm ON cm.id = other.move_id
            LEFT JOIN account_payment pay ON pay.id = cm.origin_payment_id
            WHERE a.account_type IN ('asset_receivable', 'liability_payable') AND other.move_id <> src.move_id
        ), agg AS (
            SELECT move_id, bool_or(is_pay) AS has_pay, bool_and(ok) FILTER (WHERE is_pay) AS matched,
                   array_agg(DISTINCT move_type ORDER BY move_type) AS types
            FROM cp GROUP BY move_id
        ), res AS (
            SELECT l.move_id, sum(l.amount_residual_currency) AS r FROM account_move_line l
            JOIN account_account a ON a.id = l.account_id
            WHERE a.account_type IN ('asset_receivable', 'liability_payable') GROUP BY l.move_id
        )
        SELECT m.id, m.payment_state FROM account_move m LEFT JOIN agg ON agg.move_id = m.id
        LEFT JOIN res ON res.move_id = m.id
        WHERE m.payment_state IS DISTINCT FROM CASE
            WHEN m.state <> 'posted' OR m.move_type = 'entry' THEN 'not_paid'
            WHEN coalesce(res.r, 0) <> 0 THEN CASE WHEN agg.move_id IS NULL THEN 'not_paid' ELSE 'partial' END
            WHEN agg.has_pay THEN CASE WHEN agg.matched THEN 'paid' ELSE 'in_payment' END
            WHEN m.move_type IN ('out_invoice', 'out_receipt')
                 AND agg.types IN ('{out_refund}', '{entry,out_refund}') THEN 'reversed'
            WHEN m.move_type IN ('in_invoice', 'in_receipt')
                 AND agg.types IN ('{in_refund}', '{entry,in_refund}') THEN 'reversed'
            WHEN m.move_type IN ('out_refund', 'in_refund') AND agg.types = '{entry}' THEN 'reversed'
            ELSE 'paid' END""",
    "paid invoice without zero residual and full reconcile": """
        SELECT m.id FROM account_move m JOIN account_move_line l ON l.move_id = m.id
        WHERE m.payment_state IN ('paid', 'in_payment', 'reversed') AND l.display_type = 'payment_term'
          AND (l.full_reconcile_id IS NULL OR l.amount_residual <> 0 OR m.amount_residual <> 0)""",
    "draft not named '/' or posted without a sequence name": """
        SELECT id FROM account_move
        WHERE (state = 'draft' AND (name <> '/' OR sequence_prefix <> '/' OR sequence_number <> 0))
           OR (state = 'posted' AND (name = '/' OR name <> sequence_prefix || lpad(sequence_number::text, 5, '0')
                                     OR name !~ '^[A-Z]+[0-9]?/[0-9]{4}/[0-9]{5}$'))""",
    "sequence numbers with gaps or duplicates per journal and prefix": """
        SELECT journal_id, sequence_prefix FROM account_move WHERE name <> '/'
        GROUP BY journal_id, sequence_prefix
        HAVING count(*) <> max(sequence_number) OR count(DISTINCT sequence_number) <> count(*)""",
    "payment inconsistent with its entry": """
        SELECT pay.id FROM account_payment pay JOIN account_move m ON m.id = pay.move_id
        JOIN account_move_line l ON l.move_id = m.id AND l.account_id = pay.destination_account_id
        WHERE m.origin_payment_id <> pay.id OR abs(l.amount_currency) <> pay.amount OR l.payment_id <> pay.id
           OR pay.is_reconciled <> l.reconciled OR (pay.state = 'paid') <> pay.is_matched
           OR m.name <> pay.name OR m.date <> pay.date""",
    "posted expense without its posted entry, or expense state not following it": """
        SELECT e.id FROM hr_expense e LEFT JOIN account_move m ON m.id = e.account_move_id
        WHERE (e.state IN ('posted', 'in_payment', 'paid')) <> (m.id IS NOT NULL)
           OR (m.id IS NOT NULL AND m.state <> 'posted')
           OR (e.state = 'in_payment' AND m.payment_state <> 'in_payment')
           OR (e.state = 'paid' AND m.move_type = 'in_invoice' AND m.payment_state <> 'paid')
           OR (e.state = 'posted' AND m.payment_state <> 'not_paid')""",
}

AGING_BUCKETS = """
    SELECT l.company_id, a.account_type,
           CASE WHEN %(today)s::date - l.date_maturity <= 0 THEN 'current'
                WHEN %(today)s::date - l.date_maturity <= 30 THEN '1-30'
                WHEN %(today)s::date - l.date_maturity <= 60 THEN '31-60'
                WHEN %(today)s::date - l.date_maturity <= 90 THEN '61-90'
                WHEN %(today)s::date - l.date_maturity <= 120 THEN '91-120'
                ELSE '120+' END AS bucket,
           count(*) AS open_lines
    FROM account_move_line l JOIN account_account a ON a.id = l.account_id
    WHERE l.parent_state = 'posted' AND NOT l.reconciled AND l.amount_residual <> 0
      AND a.account_type IN ('asset_receivable', 'liability_payable')
    GROUP BY 1, 2, 3"""


BUCKETS = {"current", "1-30", "31-60", "61-90", "91-120", "120+"}


def invariant_violations(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    """Every broken invariant with up to five offending rows."""
    broken = {}
    for name, query in INVARIANTS.items():
        rows = conn.execute(query).fetchmany(5)
        if rows:
            broken[name] = rows
    return broken


def missing_aging_buckets(conn: psycopg.Connection, today: dt.date) -> set[tuple[int, str, str]]:
    """(company, receivable/payable, bucket) combinations without any open item."""
    present = {(c, t, b) for c, t, b, _ in conn.execute(AGING_BUCKETS, {"today": today})}
    companies = [row[0] for row in conn.execute("SELECT id FROM res_company")]
    wanted = {(c, t, b) for c in companies for t in ("asset_receivable", "liability_payable") for b in BUCKETS}
    return wanted - present


@pytest.fixture(scope="session")
def check_invariants() -> Callable[[psycopg.Connection], dict[str, list[tuple]]]:
    return invariant_violations


@pytest.fixture(scope="session")
def check_aging() -> Callable[[psycopg.Connection, dt.date], set[tuple[int, str, str]]]:
    return missing_aging_buckets


@pytest.fixture(scope="session")
def seed_today() -> dt.date:
    return TODAY


@pytest.fixture(scope="session")
def seeded(make_database: Callable[[str], str]) -> tuple[str, SeedReport]:
    """One scale-1 database shared by the read-only tests."""
    dsn = make_database("odoo_test_seed")
    return dsn, seed_database(dsn, scale=1, seed=SEED, today=TODAY)


@pytest.fixture
def seeded_conn(seeded: tuple[str, SeedReport]):
    with psycopg.connect(seeded[0]) as conn:
        yield conn
