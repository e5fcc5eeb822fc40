select
    id as partial_reconcile_id,
    debit_move_id as debit_move_line_id,
    credit_move_id as credit_move_line_id,
    full_reconcile_id,
    exchange_move_id,
    company_id,
    amount,
    debit_amount_currency,
    credit_amount_currency,
    debit_currency_id,
    credit_currency_id,
    max_date as reconciled_date,
    create_date as created_at,
    coalesce(write_date, create_date) as updated_at
from {{ source('odoo', 'account_partial_reconcile') }}
