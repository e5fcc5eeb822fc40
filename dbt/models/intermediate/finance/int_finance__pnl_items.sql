{{ config(materialized='table') }}

-- Posted journal items on profit-and-loss accounts, with their income statement section and an amount
-- that is positive in the section's natural direction (income credited, expense debited), company
-- currency. The income statement and the tie-out tests read this one table.
select
    items.move_line_id,
    items.move_id,
    items.move_name,
    items.move_type,
    items.company_id,
    items.company_currency_id as currency_id,
    items.period,
    items.account_id,
    accounts.account_code,
    accounts.account_type,
    {{ pnl_section('accounts.account_type') }} as section,
    case when accounts.account_class = 'income' then -items.balance else items.balance end as amount
from {{ ref('fct_journal_items') }} as items
inner join {{ ref('dim_account') }} as accounts
    on accounts.account_id = items.account_id
   and accounts.company_id = items.company_id
where items.is_posted
  and accounts.account_class in ('income', 'expense')
