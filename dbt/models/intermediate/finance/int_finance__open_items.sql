{{ config(materialized='table') }}

-- Posted receivable and payable items still open (nonzero residual), aged at the as-of date
-- (var as_of_date, default today in var reporting_timezone) by days past their due date. A table: both aging marts read it, so the
-- journal items are scanned once.
select
    items.move_line_id,
    items.company_id,
    items.company_currency_id as currency_id,
    items.partner_id,
    accounts.account_type,
    coalesce(items.date_maturity, items.accounting_date) as due_date,
    items.amount_residual,
    {{ as_of_date() }} as as_of_date,
    {{ as_of_date() }} - coalesce(items.date_maturity, items.accounting_date) as days_past_due
from {{ ref('fct_journal_items') }} as items
inner join {{ ref('stg_odoo__account_accounts') }} as accounts
    on accounts.account_id = items.account_id
where items.is_posted
  and accounts.account_type in ('asset_receivable', 'liability_payable')
  and items.amount_residual <> 0
