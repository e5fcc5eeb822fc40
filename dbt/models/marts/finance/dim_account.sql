-- One row per account and company that uses it, with the code that company sees.
select
    accounts.account_id,
    companies.company_id,
    companies.root_company_id,
    companies.account_code,
    accounts.account_name,
    accounts.account_type,
    case
        when accounts.account_type like 'asset\_%' then 'asset'
        when accounts.account_type like 'liability\_%' then 'liability'
        when accounts.account_type like 'equity%' then 'equity'
        when accounts.account_type like 'income%' then 'income'
        when accounts.account_type like 'expense%' then 'expense'
        else 'off_balance'
    end as account_class,
    accounts.is_reconcilable,
    accounts.currency_id,
    accounts.is_active
from {{ ref('stg_odoo__account_accounts') }} as accounts
inner join {{ ref('stg_odoo__account_account_companies') }} as companies
    on companies.account_id = accounts.account_id
