"""Odoo as tools: invoices and the month's figures, read from the environment's Odoo database (the odoo role,
in a read-only transaction with a statement timeout). Every result says how fresh the data is: the newest
write to the journal items."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

import psycopg
from psycopg import sql
from pydantic import Field

from dagster_project.mcp.context import Context, EnvArg, ToolSpec
from dagster_project.mcp.reads import plain, read_only, rows

REVENUE_TYPES = ("income", "income_other")
EXPENSE_TYPES = ("expense_direct_cost", "expense", "expense_depreciation", "expense_other")
BALANCES = {"receivables": ("asset_receivable", 1), "payables": ("liability_payable", -1), "cash": ("asset_cash", 1)}
TIMEOUT_S = 15.0
Company = Annotated[int | None, Field(description="res_company.id; default: every company, summed.")]


def freshness(conn: psycopg.Connection) -> str | None:
    [row] = rows(conn, sql.SQL("SELECT max(write_date) AS newest FROM account_move_line"), {})
    return row["newest"].isoformat() + "Z" if row["newest"] else None


def _number(value: Any) -> float:
    return float(value) if isinstance(value, Decimal) else float(value or 0)


def financial_summary(conn: psycopg.Connection, date_from: dt.date, date_to: dt.date, company: int | None
                      ) -> dict[str, Any]:
    """Revenue, expenses and net income of the period; receivables, payables and cash at its end."""
    if date_from > date_to:
        raise ValueError(f"date_from {date_from} is after date_to {date_to}; fix: swap them")
    where_company = sql.SQL("AND l.company_id = %(company)s") if company is not None else sql.SQL("")
    pnl = sql.SQL(
        "SELECT coalesce(-sum(l.balance) FILTER (WHERE a.account_type = ANY(%(revenue)s)), 0) AS revenue, "
        "coalesce(sum(l.balance) FILTER (WHERE a.account_type = ANY(%(expense)s)), 0) AS expenses "
        "FROM account_move_line l JOIN account_account a ON a.id = l.account_id "
        "WHERE l.parent_state = 'posted' AND l.date BETWEEN %(date_from)s AND %(date_to)s {}").format(where_company)
    balances = sql.SQL(
        "SELECT a.account_type, coalesce(sum(l.balance), 0) AS balance "
        "FROM account_move_line l JOIN account_account a ON a.id = l.account_id "
        "WHERE l.parent_state = 'posted' AND l.date <= %(date_to)s AND a.account_type = ANY(%(types)s) {} "
        "GROUP BY a.account_type").format(where_company)
    params = {"revenue": list(REVENUE_TYPES), "expense": list(EXPENSE_TYPES), "date_from": date_from,
              "date_to": date_to, "company": company, "types": [t for t, _ in BALANCES.values()]}
    [flows] = rows(conn, pnl, params)
    found = {row["account_type"]: _number(row["balance"]) for row in rows(conn, balances, params)}
    revenue, expenses = _number(flows["revenue"]), _number(flows["expenses"])
    return {
        "date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "company_id": company,
        "revenue": round(revenue, 2), "expenses": round(expenses, 2), "net_income": round(revenue - expenses, 2),
        **{name: round(sign * found.get(kind, 0.0), 2) for name, (kind, sign) in BALANCES.items()},
        "definitions": {
            "revenue": "posted journal items on income and other-income accounts in the period, credit positive "
                       "(as warehouse.income_statement_monthly)",
            "expenses": "posted journal items on expense, direct-cost, depreciation and other-expense accounts",
            "receivables, payables, cash": "balances of those accounts at date_to, posted items (as "
                                           "warehouse.trial_balance)",
            "currency": "each company's own currency; with no company given, the companies' figures are summed",
        },
        "data_as_of": freshness(conn),
    }


def tools(ctx: Context) -> list[ToolSpec]:
    def odoo_financial_summary(
            date_from: Annotated[dt.date, Field(description="First day of the period, YYYY-MM-DD.")],
            date_to: Annotated[dt.date, Field(description="Last day of the period, YYYY-MM-DD.")],
            company: Company = None, env: EnvArg = None) -> dict[str, Any]:
        """Revenue, expenses, net income of a period and receivables, payables, cash at its end, from Odoo."""
        environment = ctx.environment(env)
        with read_only(environment.value("odoo", "db_url"), TIMEOUT_S) as conn:
            return {"env": environment.name, **financial_summary(conn, date_from, date_to, company)}

    def odoo_query_invoices(
            state: Annotated[Literal["draft", "posted", "cancel"] | None, Field(description="Move state.")] = None,
            move_type: Annotated[Literal["out_invoice", "out_refund", "in_invoice", "in_refund"] | None,
                                 Field(description="Customer invoice/refund or vendor bill/refund.")] = None,
            date_from: dt.date | None = None, date_to: dt.date | None = None,
            partner: Annotated[str | None, Field(description="Part of the partner's name.")] = None,
            company: Company = None,
            limit: Annotated[int, Field(ge=1, le=500)] = 50, env: EnvArg = None) -> dict[str, Any]:
        """Invoices and bills from Odoo, newest first: number, dates, partner, amounts, payment state."""
        environment = ctx.environment(env)
        conditions = [sql.SQL("m.move_type IN ('out_invoice', 'out_refund', 'in_invoice', 'in_refund')")]
        params: dict[str, Any] = {"limit": limit}
        for column, key, value, op in (("state", "state", state, "="), ("move_type", "move_type", move_type, "="),
                                       ("invoice_date", "date_from", date_from, ">="),
                                       ("invoice_date", "date_to", date_to, "<="),
                                       ("company_id", "company", company, "=")):
            if value is not None:
                conditions.append(sql.SQL("{} " + op + " {}").format(  # op: one of the constants above
                    sql.Identifier("m", column), sql.Placeholder(key)))
                params[key] = value
        if partner:
            conditions.append(sql.SQL("p.name ILIKE %(partner)s"))
            params["partner"] = f"%{partner}%"
        query = sql.SQL(
            "SELECT m.id, m.name, m.move_type, m.state, m.payment_state, m.invoice_date, m.invoice_date_due, "
            "m.company_id, p.name AS partner, m.amount_total, m.amount_residual, m.ref "
            "FROM account_move m LEFT JOIN res_partner p ON p.id = m.partner_id WHERE {} "
            "ORDER BY m.invoice_date DESC NULLS LAST, m.id DESC LIMIT %(limit)s"
        ).format(sql.SQL(" AND ").join(conditions))
        with read_only(environment.value("odoo", "db_url"), TIMEOUT_S) as conn:
            found = [{k: plain(v) for k, v in row.items()} for row in rows(conn, query, params)]
            return {"env": environment.name, "invoices": found, "count": len(found), "data_as_of": freshness(conn)}

    def odoo_get_partner(
            partner: Annotated[str, Field(description="The partner's id, or (part of) its name.")],
            env: EnvArg = None) -> dict[str, Any]:
        """A partner's contact data, its open receivable and payable, and its five latest invoices and bills."""
        environment = ctx.environment(env)
        with read_only(environment.value("odoo", "db_url"), TIMEOUT_S) as conn:
            return {"env": environment.name, **partner_card(conn, partner), "data_as_of": freshness(conn)}

    return [ToolSpec("odoo_financial_summary", odoo_financial_summary),
            ToolSpec("odoo_query_invoices", odoo_query_invoices), ToolSpec("odoo_get_partner", odoo_get_partner)]


def partner_card(conn: psycopg.Connection, ref: str) -> dict[str, Any]:
    by_id = ref.isdigit()
    matches = rows(conn, sql.SQL(
        "SELECT id, name, is_company, email, phone, city, vat, ref, customer_rank, supplier_rank FROM res_partner "
        "WHERE CASE WHEN %(id)s::int IS NULL THEN name ILIKE %(name)s ELSE id = %(id)s END "
        "ORDER BY (lower(name) = lower(%(exact)s)) DESC, id LIMIT 6"),
        {"id": int(ref) if by_id else None, "name": f"%{ref}%", "exact": ref})
    if not matches:
        raise LookupError(f"no partner has the id or a name containing {ref!r}; fix: try a shorter part of the name")
    partner = matches[0]
    open_items = rows(conn, sql.SQL(
        "SELECT coalesce(sum(l.amount_residual) FILTER (WHERE a.account_type = 'asset_receivable'), 0) AS receivable, "
        "coalesce(-sum(l.amount_residual) FILTER (WHERE a.account_type = 'liability_payable'), 0) AS payable "
        "FROM account_move_line l JOIN account_account a ON a.id = l.account_id "
        "JOIN res_partner p ON p.id = l.partner_id "
        "WHERE l.parent_state = 'posted' AND p.commercial_partner_id = %(id)s"), {"id": partner["id"]})[0]
    invoices = rows(conn, sql.SQL(
        "SELECT m.name, m.move_type, m.state, m.payment_state, m.invoice_date, m.amount_total, m.amount_residual "
        "FROM account_move m WHERE m.commercial_partner_id = %(id)s AND m.move_type <> 'entry' "
        "ORDER BY m.invoice_date DESC NULLS LAST, m.id DESC LIMIT 5"), {"id": partner["id"]})
    return {"partner": partner, "open_receivable": round(_number(open_items["receivable"]), 2),
            "open_payable": round(_number(open_items["payable"]), 2),
            "latest_invoices": [{k: plain(v) for k, v in row.items()} for row in invoices],
            "other_matches": [{"id": m["id"], "name": m["name"]} for m in matches[1:]]}

