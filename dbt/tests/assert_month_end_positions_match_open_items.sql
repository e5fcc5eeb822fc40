{{ config(meta={'dagster': {'ref': {'name': 'fct_open_items_month_end'}}}) }}

-- fct_open_items_month_end at the last completed month end equals Odoo's own residual for every item nothing
-- settled after that date: the month-end positions are rebuilt from the partial reconciliations, and Odoo
-- keeps amount_residual itself, so the two must agree wherever no later settlement separates them.
with last_month as (
    select max(month_end) as month_end from {{ ref('fct_open_items_month_end') }}
),

settled_later as (
    select debit_move_line_id as move_line_id from {{ ref('stg_odoo__account_partial_reconciles') }}, last_month
    where reconciled_date > last_month.month_end
    union
    select credit_move_line_id from {{ ref('stg_odoo__account_partial_reconciles') }}, last_month
    where reconciled_date > last_month.month_end
),

expected as (
    select open_items.move_line_id, open_items.amount_residual
    from {{ ref('int_finance__open_items') }} as open_items
    inner join {{ ref('fct_journal_items') }} as items
        on items.move_line_id = open_items.move_line_id
    cross join last_month
    where items.accounting_date <= last_month.month_end
      and open_items.move_line_id not in (select move_line_id from settled_later)
),

actual as (
    select positions.move_line_id, positions.residual_amount
    from {{ ref('fct_open_items_month_end') }} as positions
    inner join last_month
        on last_month.month_end = positions.month_end
    where positions.move_line_id not in (select move_line_id from settled_later)
)

select coalesce(expected.move_line_id, actual.move_line_id) as move_line_id, expected.amount_residual,
       actual.residual_amount
from expected
full outer join actual
    on actual.move_line_id = expected.move_line_id
where expected.amount_residual is distinct from actual.residual_amount
