-- account.account company_ids, with the account code each company sees: code_store is keyed by the
-- root company id (as a string) and a branch uses its root company's code.
select
    rel.account_account_id as account_id,
    rel.res_company_id as company_id,
    companies.root_company_id,
    accounts.code_store ->> cast(companies.root_company_id as text) as account_code
from {{ source('odoo', 'account_account_res_company_rel') }} as rel
inner join {{ ref('stg_odoo__res_companies') }} as companies
    on companies.company_id = rel.res_company_id
inner join {{ source('odoo', 'account_account') }} as accounts
    on accounts.id = rel.account_account_id
