{{ config(meta={'dagster': {'ref': {'name': 'income_statement_monthly'}}}, store_failures=true, schema='analytics') }}

-- The income statement (from posted lines) equals the trial balance's profit-and-loss accounts (from
-- account balances) per company, month and section, to the cent; net income too. Rows: the sections
-- that differ, with the trial balance accounts behind them.
with ledger as (
    select
        company_id,
        period as month,
        account_code,
        {{ pnl_section('account_type') }} as section,
        case when account_type like 'income%' then -balance else balance end as amount
    from {{ ref('trial_balance') }}
    where account_type like 'income%' or account_type like 'expense%'
),

ledger_sections as (
    select company_id, month, section, sum(amount) as amount,
           string_agg(account_code || ' ' || amount, ', ' order by account_code) as accounts
    from ledger
    group by company_id, month, section
    union all
    select company_id, month, 'net_income',
           sum(case when section in ('revenue', 'other_income') then amount else -amount end), 'all'
    from ledger
    group by company_id, month
),

statement as (
    select company_id, month, section, amount
    from {{ ref('income_statement_monthly') }}
    cross join lateral (values
        ('revenue', revenue), ('other_income', other_income), ('cost_of_revenue', cost_of_revenue),
        ('operating_expenses', operating_expenses), ('depreciation', depreciation),
        ('other_expenses', other_expenses), ('net_income', net_income)
    ) as sections (section, amount)
)

select
    coalesce(statement.company_id, ledger_sections.company_id) as company_id,
    coalesce(statement.month, ledger_sections.month) as month,
    coalesce(statement.section, ledger_sections.section) as section,
    coalesce(statement.amount, 0) as income_statement,
    coalesce(ledger_sections.amount, 0) as trial_balance,
    coalesce(statement.amount, 0) - coalesce(ledger_sections.amount, 0) as difference,
    ledger_sections.accounts
from statement
full outer join ledger_sections
    on ledger_sections.company_id = statement.company_id
   and ledger_sections.month = statement.month
   and ledger_sections.section is not distinct from statement.section
where coalesce(statement.amount, 0) <> coalesce(ledger_sections.amount, 0)
