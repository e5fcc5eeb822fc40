"""The marts' logic written again, independently, as plain SQL over the Odoo tables (public schema)."""

from __future__ import annotations

# (company_id, partner_id, aging_bucket) -> residual, for one account type; %s = as-of date, account type
AGING = """
    SELECT company_id, partner_id,
           CASE WHEN d <= 0 THEN 'current' WHEN d <= 30 THEN '1-30' WHEN d <= 60 THEN '31-60'
                WHEN d <= 90 THEN '61-90' WHEN d <= 120 THEN '91-120' ELSE '120+' END AS bucket,
           sum(amount_residual) AS residual
    FROM (
        SELECT l.company_id, l.partner_id, l.amount_residual, %s::date - coalesce(l.date_maturity, l.date) AS d
        FROM account_move_line l JOIN account_account a ON a.id = l.account_id
        WHERE l.parent_state = 'posted' AND a.account_type = %s AND l.amount_residual <> 0
    ) open_items
    GROUP BY 1, 2, 3"""

# (company_id, account_code, period) -> account name, type, debit, credit, balance
TRIAL_BALANCE = """
    SELECT l.company_id, a.code_store ->> split_part(c.parent_path, '/', 1) AS code,
           date_trunc('month', l.date)::date AS period,
           a.name ->> 'en_US', a.account_type, sum(l.debit), sum(l.credit), sum(l.debit) - sum(l.credit)
    FROM account_move_line l
    JOIN account_account a ON a.id = l.account_id
    JOIN res_company c ON c.id = l.company_id
    WHERE l.parent_state = 'posted'
    GROUP BY 1, 2, 3, 4, 5"""

# (company_id, month) -> revenue from the invoices' product lines, invoice count, refund count
REVENUE = """
    SELECT m.company_id, date_trunc('month', coalesce(m.invoice_date, m.date))::date AS month,
           -sum(l.balance) FILTER (WHERE l.display_type = 'product') AS revenue,
           count(DISTINCT m.id) FILTER (WHERE m.move_type = 'out_invoice'),
           count(DISTINCT m.id) FILTER (WHERE m.move_type = 'out_refund'),
           count(DISTINCT m.id) FILTER (WHERE m.move_type = 'out_receipt')
    FROM account_move m JOIN account_move_line l ON l.move_id = m.id
    WHERE m.state = 'posted' AND m.move_type IN ('out_invoice', 'out_refund', 'out_receipt')
    GROUP BY 1, 2"""

# The income statement straight from Odoo: posted lines on profit-and-loss accounts by accounting month,
# each account type its section, income as credit - debit and expenses as debit - credit.
INCOME_STATEMENT = """
    WITH lines AS (
        SELECT l.company_id, date_trunc('month', l.date)::date AS month, a.account_type, l.balance
        FROM account_move_line l JOIN account_account a ON a.id = l.account_id
        WHERE l.parent_state = 'posted' AND (a.account_type LIKE 'income%%' OR a.account_type LIKE 'expense%%'))
    SELECT company_id, month,
           coalesce(-sum(balance) FILTER (WHERE account_type = 'income'), 0),
           coalesce(-sum(balance) FILTER (WHERE account_type = 'income_other'), 0),
           coalesce(sum(balance) FILTER (WHERE account_type = 'expense_direct_cost'), 0),
           coalesce(sum(balance) FILTER (WHERE account_type = 'expense'), 0),
           coalesce(sum(balance) FILTER (WHERE account_type = 'expense_depreciation'), 0),
           coalesce(sum(balance) FILTER (WHERE account_type = 'expense_other'), 0),
           -sum(balance)
    FROM lines GROUP BY 1, 2"""
