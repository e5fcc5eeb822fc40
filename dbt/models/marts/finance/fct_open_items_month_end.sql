-- Every posted receivable and payable item open at the end of a month, with its residual at that date: its
-- balance less the partial reconciliations dated on or before the month end (a partial lowers the debit item
-- it settles and raises the credit one). One row per item and completed month (those before the as-of
-- date's month) at whose end the item was open; company currency. The monthly report reads its aging, DSO
-- and DPO here, so a past month's figures stay what they were at that month's end whatever was paid since.
with items as (
    select
        items.move_line_id,
        items.move_id,
        items.move_name,
        items.company_id,
        items.company_currency_id as currency_id,
        items.partner_id,
        accounts.account_type,
        items.accounting_date,
        coalesce(items.date_maturity, items.accounting_date) as due_date,
        items.balance
    from {{ ref('fct_journal_items') }} as items
    inner join {{ ref('stg_odoo__account_accounts') }} as accounts
        on accounts.account_id = items.account_id
    where items.is_posted
      and accounts.account_type in ('asset_receivable', 'liability_payable')
),

settlements as (
    select debit_move_line_id as move_line_id, reconciled_date, -amount as change
    from {{ ref('stg_odoo__account_partial_reconciles') }}
    union all
    select credit_move_line_id, reconciled_date, amount
    from {{ ref('stg_odoo__account_partial_reconciles') }}
),

monthly_settlements as (
    select
        move_line_id,
        cast(date_trunc('month', reconciled_date) + interval '1 month - 1 day' as date) as month_end,
        sum(change) as change
    from settlements
    group by 1, 2
),

month_ends as (
    select cast(month_start + interval '1 month - 1 day' as date) as month_end
    from generate_series(
        (select date_trunc('month', min(accounting_date)) from items),
        date_trunc('month', {{ as_of_date() }}) - interval '1 month',
        interval '1 month'
    ) as month_start
),

positions as (
    select
        items.*,
        month_ends.month_end,
        items.balance + coalesce(sum(monthly_settlements.change) over (
            partition by items.move_line_id order by month_ends.month_end
        ), 0) as residual_amount
    from items
    inner join month_ends
        on month_ends.month_end >= items.accounting_date
    left join monthly_settlements
        on monthly_settlements.move_line_id = items.move_line_id
       and monthly_settlements.month_end = month_ends.month_end
)

select
    month_end,
    move_line_id,
    move_id,
    move_name,
    company_id,
    currency_id,
    partner_id,
    cast(account_type as varchar) as account_type,
    accounting_date,
    due_date,
    balance,
    residual_amount,
    month_end - due_date as days_past_due,
    cast({{ aging_bucket('month_end - due_date') }} as varchar) as aging_bucket
from positions
where residual_amount <> 0
