{{ config(materialized='table') }}

-- Posted journal items summed per company, account and month: the trial balance, expenses and cash
-- position marts all read this small table instead of scanning the journal items three times.
select
    items.company_id,
    items.account_id,
    items.period,
    max(items.company_currency_id) as currency_id,
    sum(items.debit) as debit,
    sum(items.credit) as credit,
    sum(items.balance) as balance,
    -- in the account's own currency when it has one (e.g. a USD bank account), else company currency
    sum(case when accounts.currency_id is not null then items.amount_currency else items.balance end)
        as balance_account_currency,
    count(*) as item_count
from {{ ref('fct_journal_items') }} as items
inner join {{ ref('stg_odoo__account_accounts') }} as accounts
    on accounts.account_id = items.account_id
where items.is_posted
group by items.company_id, items.account_id, items.period
