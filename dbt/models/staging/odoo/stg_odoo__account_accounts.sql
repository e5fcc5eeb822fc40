select
    id as account_id,
    {{ translated('name') }} as account_name,
    {{ translated('description') }} as account_description,
    code_store,
    account_type,
    coalesce(reconcile, false) as is_reconcilable,
    currency_id,
    coalesce(active, true) as is_active,
    write_date as updated_at
from {{ source('odoo', 'account_account') }}
