-- Posted debits, credits and balance per company, account and month (the month's movement).
select
    balances.company_id,
    balances.account_id,
    accounts.account_code,
    accounts.account_name,
    accounts.account_type,
    balances.period,
    balances.currency_id,
    balances.debit,
    balances.credit,
    balances.balance,
    sum(balances.balance) over (
        partition by balances.company_id, balances.account_id order by balances.period
    ) as closing_balance
from {{ ref('int_finance__account_period_balances') }} as balances
inner join {{ ref('dim_account') }} as accounts
    on accounts.account_id = balances.account_id
   and accounts.company_id = balances.company_id
