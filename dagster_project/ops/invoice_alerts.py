"""Big customer invoices: which newly posted ones alert, and the message they post.

The warehouse's replica of Odoo (`public.account_move`, ...) is read; the ledger `ops.invoice_alerts` keeps
one row per posted customer invoice seen, so an invoice alerts once and only on its first posting:

- first evaluation (no cursor): every invoice already posted goes into the ledger as `baseline`; nothing
  alerts, so turning the sensor on over years of history posts nothing. It waits while the replica of
  `account_move` is empty or in its initial copy (the rows still to come would all look new);
- later evaluations: posted `out_invoice`s whose `write_date` is at or after the cursor (minus LOOKBACK, for
  Odoo transactions that committed after a later one) and that the ledger lacks are added, at most `batch`
  per tick, as `pending` (company-currency total at or above the threshold) or `below`;
- pending rows are posted (at most `send_batch` per tick) and marked `sent` (or `logged` without a webhook).
  A failed post leaves them pending for the next tick: nothing is lost.

The amount compared is `amount_total_signed`, the total in the company's currency, which is what the AR
aging dashboard sums; the message shows the document's own currency too when it differs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from dagster_project.ops.state import INVOICE_ALERTS, SCHEMA, ensure_invoice_alerts

ODOO_SCHEMA = "public"  # the replica keeps Odoo's schema-qualified names (config/replication.yaml)
LOOKBACK = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Invoice:
    move_id: int
    name: str
    customer: str | None
    company: str | None
    amount: Decimal  # company currency (amount_total_signed)
    currency: str | None
    document_amount: Decimal  # document currency (amount_total)
    document_currency: str | None
    invoice_date: dt.date | None
    due_date: dt.date | None


@dataclass(frozen=True)
class Scan:
    """What one evaluation found: the new cursor and how many invoices it added, by status."""

    since: dt.datetime | None
    baseline: int = 0
    below: int = 0
    pending: int = 0
    waiting: str | None = None  # why the first scan did not record history yet


def _tables() -> dict[str, sql.Composable]:
    return {"ledger": sql.Identifier(SCHEMA, INVOICE_ALERTS), "move": sql.Identifier(ODOO_SCHEMA, "account_move"),
            "company": sql.Identifier(ODOO_SCHEMA, "res_company"),
            "currency": sql.Identifier(ODOO_SCHEMA, "res_currency"),
            "partner": sql.Identifier(ODOO_SCHEMA, "res_partner")}


# Posted customer invoices the ledger lacks, oldest change first; {status} decides pending/below/baseline.
_ADD = """
WITH fresh AS (
    SELECT m.id, m.name, m.amount_total_signed AS amount, cur.name AS currency, m.write_date
    FROM {move} m
    LEFT JOIN {company} c ON c.id = m.company_id
    LEFT JOIN {currency} cur ON cur.id = c.currency_id
    WHERE m.move_type = 'out_invoice' AND m.state = 'posted' AND {window}
      AND NOT EXISTS (SELECT 1 FROM {ledger} a WHERE a.env = %(env)s AND a.move_id = m.id)
    ORDER BY m.write_date, m.id
    {limit}
)
INSERT INTO {ledger} (env, move_id, name, status, amount, currency, write_date)
SELECT %(env)s, id, name, {status}, amount, currency, write_date FROM fresh
ON CONFLICT DO NOTHING
RETURNING status, write_date"""

_PENDING = """
SELECT a.move_id, m.name, p.name AS customer, c.name AS company, m.amount_total_signed AS amount,
       cur.name AS currency, m.amount_total AS document_amount, doc.name AS document_currency,
       m.invoice_date, m.invoice_date_due AS due_date
FROM {ledger} a
JOIN {move} m ON m.id = a.move_id
LEFT JOIN {partner} p ON p.id = coalesce(m.commercial_partner_id, m.partner_id)
LEFT JOIN {company} c ON c.id = m.company_id
LEFT JOIN {currency} cur ON cur.id = c.currency_id
LEFT JOIN {currency} doc ON doc.id = m.currency_id
WHERE a.env = %(env)s AND a.status = 'pending'
ORDER BY a.write_date, a.move_id
LIMIT %(limit)s"""


def scan(conn: psycopg.Connection, env: str, since: dt.datetime | None, *, baselined: bool, threshold: Decimal,
         batch: int) -> Scan:
    """Add newly posted customer invoices to the ledger; the first scan (`baselined` false) adds history.
    `conn` is in autocommit mode; the scan is one repeatable-read transaction (horizon and rows agree)."""
    ensure_invoice_alerts(conn)
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # Capped at the warehouse's clock: a write_date in the future (clock skew, generated data) must not
        # push the window past invoices posted from now on.
        horizon, now = conn.execute(sql.SQL(
            "SELECT least(max(write_date), (now() AT TIME ZONE 'UTC')::timestamp), "
            "(now() AT TIME ZONE 'UTC')::timestamp FROM {move}").format(**_tables())).fetchone()
        if not baselined:
            waiting = _not_ready(conn)
            if waiting:
                return Scan(None, waiting=waiting)
            rows = _add(conn, env, window=None, status="baseline", threshold=threshold, limit=None)
            return Scan(horizon, baseline=len(rows))
        rows = _add(conn, env, window=since - LOOKBACK if since else None, status=None, threshold=threshold,
                    limit=batch)
    statuses = [status for status, _ in rows]
    # A full batch may have left rows behind: resume after the last one added; otherwise everything up to
    # the snapshot's horizon has been seen.
    cursor = max((w for _, w in rows if w), default=since) if len(rows) >= batch else (horizon or since)
    return Scan(min(cursor, now) if cursor else None, below=statuses.count("below"), pending=statuses.count("pending"))


def _not_ready(conn: psycopg.Connection) -> str | None:
    """History is recorded only from a complete replica: during the initial copy (or before any row arrived)
    the invoices still to come would otherwise all look newly posted."""
    copying = conn.execute("SELECT count(*) FROM pg_subscription_rel WHERE srrelid = to_regclass(%s) "
                           "AND srsubstate NOT IN ('r', 's')", (f"{ODOO_SCHEMA}.account_move",)).fetchone()[0]
    if copying:
        return "the replica of account_move is still in its initial copy; history is recorded once it is ready"
    if conn.execute(sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM {move})").format(**_tables())).fetchone()[0]:
        return "the replica of account_move is empty; history is recorded once its first rows arrive"
    return None


def _add(conn: psycopg.Connection, env: str, *, window: dt.datetime | None, status: str | None,
         threshold: Decimal, limit: int | None) -> list[tuple[str, dt.datetime | None]]:
    decide = (sql.Literal(status) if status else
              sql.SQL("CASE WHEN amount >= %(threshold)s THEN 'pending' ELSE 'below' END"))
    statement = sql.SQL(_ADD).format(
        **_tables(), status=decide,
        window=sql.SQL("m.write_date >= %(window)s") if window else sql.SQL("true"),
        limit=sql.SQL("LIMIT %(limit)s") if limit else sql.SQL(""))
    return conn.execute(statement, {"env": env, "window": window, "threshold": threshold, "limit": limit}).fetchall()


def pending(conn: psycopg.Connection, env: str, limit: int) -> list[Invoice]:
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(sql.SQL(_PENDING).format(**_tables()), {"env": env, "limit": limit}).fetchall()
    return [Invoice(**row) for row in rows]


def mark(conn: psycopg.Connection, env: str, move_id: int, status: str) -> None:
    conn.execute(sql.SQL("UPDATE {} SET status = %s, sent_at = now() WHERE env = %s AND move_id = %s")
                 .format(sql.Identifier(SCHEMA, INVOICE_ALERTS)), (status, env, move_id))


def send_pending(conn: psycopg.Connection, env: str, limit: int, post: Callable[[Invoice], bool]) -> list[Invoice]:
    """Post each pending invoice and mark it at once (autocommit); `post` raising stops here and leaves the
    rest pending."""
    done = []
    for invoice in pending(conn, env, limit):
        mark(conn, env, invoice.move_id, "sent" if post(invoice) else "logged")
        done.append(invoice)
    return done


def money(amount: Decimal, currency: str | None) -> str:
    return f"{currency or '?'} {amount:,.2f}"


def alert_message(invoice: Invoice, env: str, threshold: Decimal, dashboard: str) -> str:
    amount = money(invoice.amount, invoice.currency)
    if invoice.document_currency and invoice.document_currency != invoice.currency:
        amount += f" (document: {money(invoice.document_amount, invoice.document_currency)})"
    dates = ", ".join(f"{label} {value.isoformat()}" for label, value in
                      (("invoice date", invoice.invoice_date), ("due", invoice.due_date)) if value)
    return "\n".join([
        f"**Big invoice posted** ({env}): **{invoice.name}** to **{invoice.customer or 'unknown customer'}**, "
        f"company {invoice.company or '?'}",
        f"Amount: **{amount}**, at or above the threshold {money(threshold, invoice.currency)}"
        + (f"; {dates}" if dates else ""),
        f"AR aging: {dashboard}",
    ])
