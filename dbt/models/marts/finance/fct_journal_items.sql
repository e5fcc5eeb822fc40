{{
    config(
        materialized='incremental',
        unique_key='move_line_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['move_line_id'], 'unique': True}, {'columns': ['move_id']}],
        post_hook=[
            "{{ delete_rows_missing_from(ref('stg_odoo__account_move_lines'), 'move_line_id', 'move_line_id', 'src.account_id is not null') }}",
        ],
    )
}}

-- One row per journal item that has an account (section and note lines have none), in every state:
-- marts keep the posted ones. A row's version is the line's write_date: every column comes from the line
-- except move_type, which Odoo only changes on a draft while rewriting its lines.
with items as (
    select
        lines.move_line_id,
        lines.move_id,
        lines.move_name,
        moves.move_type,
        lines.parent_state as move_state,
        lines.parent_state = 'posted' as is_posted,
        lines.company_id,
        lines.company_currency_id,
        lines.journal_id,
        lines.account_id,
        lines.partner_id,
        lines.accounting_date,
        cast(date_trunc('month', lines.accounting_date) as date) as period,
        lines.date_maturity,
        lines.invoice_date,
        lines.display_type,
        lines.label,
        lines.debit,
        lines.credit,
        lines.balance,
        lines.currency_id,
        lines.amount_currency,
        lines.amount_residual,
        lines.amount_residual_currency,
        lines.is_reconciled,
        lines.full_reconcile_id,
        lines.matching_number,
        lines.product_id,
        lines.quantity,
        lines.price_subtotal,
        lines.price_total,
        lines.tax_line_id,
        lines.payment_id,
        lines.expense_id,
        lines.updated_at as source_updated_at
    from {{ ref('stg_odoo__account_move_lines') }} as lines
    inner join {{ ref('stg_odoo__account_moves') }} as moves
        on moves.move_id = lines.move_id
    where lines.account_id is not null
      and {{ is_new_or_changed('lines.move_line_id', ref('stg_odoo__account_move_lines'), 'move_line_id', 'updated_at', 'move_line_id') }}
)

select * from items
