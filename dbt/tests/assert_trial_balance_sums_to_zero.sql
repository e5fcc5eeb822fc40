-- Double entry: every posted entry balances, so each company's trial balance sums to zero in every
-- period, and debits equal credits. Rows returned are the company periods that do not.
select
    company_id,
    period,
    sum(balance) as balance,
    sum(debit) - sum(credit) as debit_minus_credit
from {{ ref('trial_balance') }}
group by company_id, period
having sum(balance) <> 0 or sum(debit) <> sum(credit)
