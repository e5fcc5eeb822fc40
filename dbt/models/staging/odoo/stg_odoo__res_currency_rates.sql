select
    id as currency_rate_id,
    company_id,
    currency_id,
    name as rate_date,
    -- units of currency_id per 1 unit of the company's currency
    rate,
    write_date as updated_at
from {{ source('odoo', 'res_currency_rate') }}
