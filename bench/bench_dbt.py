"""dbt marts: full build, an incremental run after 1% of the move lines changed, each mart against the same
logic as one raw SQL statement, and the code location's load time, all measured in one run.

The incremental run is what the eager automation launches when replication reports new move lines: the
models downstream of `odoo/account_move_line` (`--select source:odoo.account_move_line+`). Wall times
include dbt's start-up (about 3-4 s per invocation); `*_models_s` sum the models' own execution times.

Goals: incremental under 15% of the full run; full run within 1.5x of the raw SQL; code location under 3 s.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql

from dagster_project import paths
from dagster_project.config.matrix import load_matrix
from dagster_project.dbt.env import dbt_env
from dagster_project.dbt.manifest import DBT_PROJECT_DIR, dbt_executable
from dagster_project.odoo.generator.seed import seed_database

BENCH_DATABASE = "bench_dbt"
BENCH_TODAY = dt.date(2026, 3, 15)
RAW_SCHEMA = "bench_raw"
CHANGED_FRACTION = 100  # every 100th move line: 1%

_ROOT = sql.SQL("coalesce(nullif(split_part(c.parent_path, '/', 1), '')::int, c.id)")
_BUCKET = sql.SQL("""CASE WHEN d <= 0 THEN 'current' WHEN d <= 30 THEN '1-30' WHEN d <= 60 THEN '31-60'
             WHEN d <= 90 THEN '61-90' WHEN d <= 120 THEN '91-120' ELSE '120+' END""")
_POSTED_BALANCES = sql.SQL("""
    SELECT l.company_id, l.account_id, date_trunc('month', l.date)::date AS period, max(l.company_currency_id) AS cur,
           sum(l.debit) AS debit, sum(l.credit) AS credit, sum(l.balance) AS balance,
           sum(CASE WHEN a.currency_id IS NOT NULL THEN l.amount_currency ELSE l.balance END) AS balance_cur,
           count(*) AS n
    FROM account_move_line l JOIN account_account a ON a.id = l.account_id
    WHERE l.parent_state = 'posted' GROUP BY 1, 2, 3""")
_ACCOUNTS = sql.SQL("""
    SELECT r.account_account_id AS account_id, r.res_company_id AS company_id, a.code_store ->> {root}::text AS code,
           a.name ->> 'en_US' AS name, a.account_type, a.currency_id
    FROM account_account_res_company_rel r JOIN res_company c ON c.id = r.res_company_id
    JOIN account_account a ON a.id = r.account_account_id""").format(root=_ROOT)
_AGING = sql.SQL("""
    SELECT o.company_id, o.partner_id, coalesce(p.name, '(no partner)'), {bucket} AS bucket,
           {sign} * sum(o.amount_residual), count(*), max(o.company_currency_id), {today}
    FROM (SELECT l.*, {today} - coalesce(l.date_maturity, l.date) AS d
          FROM account_move_line l JOIN account_account a ON a.id = l.account_id
          WHERE l.parent_state = 'posted' AND a.account_type = {account_type} AND l.amount_residual <> 0) o
    LEFT JOIN res_partner p ON p.id = o.partner_id
    GROUP BY 1, 2, 3, 4""")
_TODAY = sql.SQL("(now() AT TIME ZONE 'Asia/Manila')::date")
_PARTS = {"root": _ROOT, "balances": _POSTED_BALANCES, "accounts": _ACCOUNTS}

# The same logic as each mart, written as one statement over the Odoo tables (no dbt, no staging views).
RAW_MARTS: dict[str, sql.Composable] = {
    "dim_company": sql.SQL("""
        SELECT c.id, c.name, c.parent_id, {root}, c.parent_id IS NOT NULL, c.currency_id, cur.name, c.partner_id,
               coalesce(c.active, true)
        FROM res_company c LEFT JOIN res_currency cur ON cur.id = c.currency_id""").format(**_PARTS),
    "dim_partner": sql.SQL("""
        SELECT p.id, p.name, p.complete_name, p.parent_id, p.commercial_partner_id, cp.name,
               coalesce(p.is_company, false), p.ref, p.vat, p.company_id, p.country_id, p.city, p.email,
               p.customer_rank > 0, p.supplier_rank > 0, p.customer_rank, p.supplier_rank, coalesce(p.active, true)
        FROM res_partner p LEFT JOIN res_partner cp ON cp.id = p.commercial_partner_id"""),
    "dim_account": sql.SQL("""
        SELECT r.account_account_id, r.res_company_id, {root}, a.code_store ->> {root}::text, a.name ->> 'en_US',
               a.account_type, split_part(a.account_type, '_', 1), coalesce(a.reconcile, false), a.currency_id,
               coalesce(a.active, true)
        FROM account_account_res_company_rel r JOIN res_company c ON c.id = r.res_company_id
        JOIN account_account a ON a.id = r.account_account_id""").format(**_PARTS),
    "dim_journal": sql.SQL("""
        SELECT j.id, j.company_id, j.code, j.name ->> 'en_US', j.type, j.currency_id,
               coalesce(j.currency_id, c.currency_id), j.default_account_id, coalesce(j.active, true)
        FROM account_journal j JOIN res_company c ON c.id = j.company_id"""),
    "dim_currency": sql.SQL("""
        SELECT r.company_id, r.currency_id, cur.name, cur.full_name, cur.symbol, cur.decimal_places,
               r.currency_id = c.currency_id, r.rate, 1 / nullif(r.rate, 0), r.valid_from,
               lead(r.valid_from) OVER (PARTITION BY r.company_id, r.currency_id ORDER BY r.valid_from), cur.active
        FROM (SELECT c.id AS company_id, x.currency_id, x.name AS valid_from, x.rate
              FROM res_company c JOIN res_currency_rate x ON x.company_id = {root} WHERE x.currency_id <> c.currency_id
              UNION ALL SELECT id, currency_id, date '1900-01-01', 1 FROM res_company) r
        JOIN res_currency cur ON cur.id = r.currency_id JOIN res_company c ON c.id = r.company_id""").format(**_PARTS),
    "fct_journal_items": sql.SQL("""
        SELECT l.id, l.move_id, l.move_name, m.move_type, l.parent_state, l.parent_state = 'posted', l.company_id,
               l.company_currency_id, l.journal_id, l.account_id, l.partner_id, l.date,
               date_trunc('month', l.date)::date, l.date_maturity, l.invoice_date, l.display_type, l.name, l.debit,
               l.credit, l.balance, l.currency_id, l.amount_currency, l.amount_residual, l.amount_residual_currency,
               coalesce(l.reconciled, false), l.full_reconcile_id, l.matching_number, l.product_id, l.quantity,
               l.price_subtotal, l.price_total, l.tax_line_id, l.payment_id, l.expense_id,
               coalesce(greatest(l.write_date, m.write_date), timestamp '1970-01-01')
        FROM account_move_line l JOIN account_move m ON m.id = l.move_id WHERE l.account_id IS NOT NULL"""),
    "fct_invoices": sql.SQL("""
        SELECT m.id, m.name, m.move_type, m.move_type, m.move_type LIKE 'out%', m.move_type LIKE '%refund',
               m.state, m.payment_state, m.company_id, m.journal_id, m.partner_id, m.commercial_partner_id, m.ref,
               m.payment_reference, coalesce(m.invoice_date, m.date), m.date, m.invoice_date_due, m.currency_id,
               c.currency_id, m.invoice_currency_rate, m.amount_untaxed, m.amount_tax, m.amount_total,
               m.amount_residual, m.amount_untaxed_signed, m.amount_tax_signed, m.amount_total_signed,
               m.amount_residual_signed, m.state = 'posted' AND m.amount_residual <> 0, m.write_date
        FROM account_move m JOIN res_company c ON c.id = m.company_id WHERE m.move_type <> 'entry'"""),
    "ar_aging": _AGING.format(bucket=_BUCKET, today=_TODAY, sign=sql.Literal(1),
                              account_type=sql.Literal("asset_receivable")),
    "ap_aging": _AGING.format(bucket=_BUCKET, today=_TODAY, sign=sql.Literal(-1),
                              account_type=sql.Literal("liability_payable")),
    "revenue_monthly": sql.SQL("""
        SELECT company_id, date_trunc('month', coalesce(invoice_date, date))::date, sum(amount_untaxed_signed),
               count(*) FILTER (WHERE move_type = 'out_invoice'), count(*) FILTER (WHERE move_type = 'out_refund')
        FROM account_move WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund') GROUP BY 1, 2"""),
    "trial_balance": sql.SQL("""
        SELECT b.company_id, b.account_id, a.code, a.name, a.account_type, b.period, b.cur, b.debit, b.credit,
               b.balance, sum(b.balance) OVER (PARTITION BY b.company_id, b.account_id ORDER BY b.period)
        FROM ({balances}) b JOIN ({accounts}) a USING (company_id, account_id)""").format(**_PARTS),
    "expenses_monthly": sql.SQL("""
        SELECT b.company_id, b.period, b.account_id, a.code, a.name, a.account_type, b.cur, b.balance, b.n
        FROM ({balances}) b JOIN ({accounts}) a USING (company_id, account_id)
        WHERE a.account_type LIKE 'expense%'""").format(**_PARTS),
    "cash_position": sql.SQL("""
        SELECT b.company_id, b.account_id, a.code, a.name, b.period, b.cur, coalesce(a.currency_id, b.cur), b.balance,
               sum(b.balance) OVER w, sum(b.balance_cur) OVER w
        FROM ({balances}) b JOIN ({accounts}) a USING (company_id, account_id)
        WHERE a.account_type = 'asset_cash'
        WINDOW w AS (PARTITION BY b.company_id, b.account_id ORDER BY b.period)""").format(**_PARTS),
}


class Dbt:
    """dbt against the bench database, artifacts in a scratch target directory."""

    def __init__(self, dsn: str, target: Path) -> None:
        derived = dbt_env(load_matrix().resolve("local"), {"SUPABASE_DBT_URL_LOCAL": dsn})
        self.env = {**os.environ, **derived, "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)}
        self.target = target

    def __call__(self, *args: str) -> tuple[float, dict]:
        """Wall seconds and run_results.json of one invocation; a failure names the command and its output."""
        command = [dbt_executable(), *args, "--target-path", str(self.target), "--log-path", str(self.target)]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=self.env, capture_output=True, text=True,
                              check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"`dbt {' '.join(args)}` failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
        results = self.target / "run_results.json"
        return seconds, json.loads(results.read_text()) if results.exists() else {"results": []}


def _model_seconds(results: dict) -> float:
    return sum(r["execution_time"] for r in results["results"] if r["unique_id"].startswith("model."))


def raw_sql_seconds(dsn: str) -> dict[str, float]:
    """Each mart's raw statement as CREATE TABLE AS in a scratch schema (columns named c1..cn, since the
    raw statements leave some unnamed or repeated)."""
    seconds: dict[str, float] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        schema = sql.Identifier(RAW_SCHEMA)
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}").format(schema))
        for name, query in RAW_MARTS.items():
            with conn.cursor() as cur:
                cur.execute(sql.SQL("SELECT * FROM ({}) q LIMIT 0").format(query))
                width = len(cur.description or ())
            columns = sql.SQL(", ").join(sql.Identifier(f"c{i}") for i in range(1, width + 1))
            statement = sql.SQL("CREATE TABLE {}.{} ({}) AS {}").format(schema, sql.Identifier(name), columns, query)
            started = time.perf_counter()
            conn.execute(statement)
            seconds[name] = time.perf_counter() - started
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(schema))
    return seconds


def change_one_percent(dsn: str, offset: int = 0) -> int:
    """Touch every 100th move line as Odoo would (new label, new write_date); returns the count."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(
            "UPDATE account_move_line SET name = coalesce(name, '') || ' (edited)', "
            "write_date = now() AT TIME ZONE 'UTC' WHERE id %% %s = %s", (CHANGED_FRACTION, offset)).rowcount


def code_location_seconds(runs: int = 3) -> dict[str, float]:
    """Fresh-interpreter import of the code location (what `dagster dev` and the daemon pay per load)."""
    probe = ("import time; t = time.perf_counter(); import dagster_dbt; d = time.perf_counter(); "
             "import dagster_project.definitions; e = time.perf_counter(); print(d - t, e - t)")
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", probe], cwd=paths.PROJECT_ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
        samples.append((float(out[0]), float(out[1])))
    return {"load_s": statistics.median(s[1] for s in samples),
            "import_dagster_dbt_s": statistics.median(s[0] for s in samples)}


def run(make_database: Callable[[str], str], scale: int) -> dict[str, float | int]:
    dsn = make_database(BENCH_DATABASE)
    report = seed_database(dsn, scale=scale, seed=42, today=BENCH_TODAY)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for schema in ("analytics", "warehouse"):
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        conn.execute("VACUUM ANALYZE")
    with tempfile.TemporaryDirectory(prefix="bench-dbt-") as target:
        dbt = Dbt(dsn, Path(target))
        parse_s, _ = dbt("parse")
        full_run_s, full = dbt("run", "--full-refresh")
        build_s, _ = dbt("build", "--full-refresh")
        changed = change_one_percent(dsn)
        incremental_s, incremental = dbt("run", "--select", "source:odoo.account_move_line+")
        changed += change_one_percent(dsn, offset=1)
        incremental_all_s, _ = dbt("run")
    raw = raw_sql_seconds(dsn)
    raw_s = sum(raw.values())
    location = code_location_seconds()
    return {
        "scale": scale,
        "move_lines": report.move_lines,
        "changed_lines": changed,
        "dbt_parse_s": round(parse_s, 3),
        "full_build_s": round(build_s, 3),
        "full_run_s": round(full_run_s, 3),
        "full_run_models_s": round(_model_seconds(full), 3),
        "incremental_run_s": round(incremental_s, 3),
        "incremental_run_models_s": round(_model_seconds(incremental), 3),
        "incremental_all_models_run_s": round(incremental_all_s, 3),
        "incremental_ratio": round(incremental_s / full_run_s, 3),
        "incremental_vs_full_build": round(incremental_s / build_s, 3),
        "incremental_models_ratio": round(_model_seconds(incremental) / _model_seconds(full), 3),
        "raw_sql_s": round(raw_s, 3),
        "full_run_vs_raw_sql": round(full_run_s / raw_s, 3),
        "full_run_models_vs_raw_sql": round(_model_seconds(full) / raw_s, 3),
        **{f"raw_{name}_s": round(seconds, 3) for name, seconds in raw.items()},
        "code_location_load_s": round(location["load_s"], 3),
        "code_location_import_dagster_dbt_s": round(location["import_dagster_dbt_s"], 3),
    }
