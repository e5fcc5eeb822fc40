select
    id as journal_id,
    company_id,
    code as journal_code,
    {{ translated('name') }} as journal_name,
    type as journal_type,
    currency_id,
    default_account_id,
    coalesce(active, true) as is_active,
    sequence,
    write_date as updated_at
from {{ source('odoo', 'account_journal') }}
