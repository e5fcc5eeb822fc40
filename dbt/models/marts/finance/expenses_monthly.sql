-- Posted expense (profit and loss) amounts per company, expense account and month; positive = expense.
select
    balances.company_id,
    balances.period as month,
    balances.account_id,
    accounts.account_code,
    accounts.account_name,
    accounts.account_type,
    balances.currency_id,
    balances.balance as amount,
    cast(balances.item_count as integer) as item_count
from {{ ref('int_finance__account_period_balances') }} as balances
inner join {{ ref('dim_account') }} as accounts
    on accounts.account_id = balances.account_id
   and accounts.company_id = balances.company_id
where accounts.account_class = 'expense'
