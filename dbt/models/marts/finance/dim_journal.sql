select
    journals.journal_id,
    journals.company_id,
    journals.journal_code,
    journals.journal_name,
    journals.journal_type,
    journals.currency_id,
    coalesce(journals.currency_id, companies.currency_id) as effective_currency_id,
    journals.default_account_id,
    journals.is_active
from {{ ref('stg_odoo__account_journals') }} as journals
inner join {{ ref('stg_odoo__res_companies') }} as companies
    on companies.company_id = journals.company_id
