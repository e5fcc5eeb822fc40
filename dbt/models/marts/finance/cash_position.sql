-- Cash and bank accounts per company and month: the month's net movement and the closing balance, in
-- company currency and in the account's own currency.
select
    balances.company_id,
    balances.account_id,
    accounts.account_code,
    accounts.account_name,
    balances.period,
    balances.currency_id,
    coalesce(accounts.currency_id, balances.currency_id) as account_currency_id,
    balances.balance as net_change,
    sum(balances.balance) over (
        partition by balances.company_id, balances.account_id order by balances.period
    ) as closing_balance,
    sum(balances.balance_account_currency) over (
        partition by balances.company_id, balances.account_id order by balances.period
    ) as closing_balance_account_currency
from {{ ref('int_finance__account_period_balances') }} as balances
inner join {{ ref('dim_account') }} as accounts
    on accounts.account_id = balances.account_id
   and accounts.company_id = balances.company_id
where accounts.account_type = 'asset_cash'
