select
    companies.company_id,
    companies.company_name,
    companies.parent_company_id,
    companies.root_company_id,
    companies.parent_company_id is not null as is_branch,
    companies.currency_id,
    currencies.currency_code,
    companies.partner_id,
    companies.is_active
from {{ ref('stg_odoo__res_companies') }} as companies
left join {{ ref('stg_odoo__res_currencies') }} as currencies
    on currencies.currency_id = companies.currency_id
