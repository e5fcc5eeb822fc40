select
    id as company_id,
    name as company_name,
    parent_id as parent_company_id,
    -- parent_path is "<root>/<child>/.../<id>/": its first element is the root company (itself for a root)
    coalesce(cast(nullif(split_part(parent_path, '/', 1), '') as integer), id) as root_company_id,
    currency_id,
    partner_id,
    coalesce(active, true) as is_active,
    fiscalyear_last_day,
    fiscalyear_last_month,
    fiscalyear_lock_date,
    hard_lock_date,
    write_date as updated_at
from {{ source('odoo', 'res_company') }}
