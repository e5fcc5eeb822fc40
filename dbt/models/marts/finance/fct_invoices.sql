{{
    config(
        materialized='incremental',
        unique_key='invoice_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['invoice_id'], 'unique': True}],
        post_hook=[
            "{{ delete_rows_missing_from(ref('stg_odoo__account_moves'), 'invoice_id', 'move_id', \"src.move_type <> 'entry'\") }}",
        ],
    )
}}

-- Customer invoices, vendor bills, their refunds and receipts, in every state. Amounts in document
-- currency are unsigned (Odoo's amount_*); *_signed amounts are in company currency, negative for vendor
-- bills and customer refunds.
with invoices as (
    select
        moves.move_id as invoice_id,
        moves.move_name as invoice_number,
        moves.move_type,
        case moves.move_type
            when 'out_invoice' then 'customer_invoice'
            when 'out_refund' then 'customer_refund'
            when 'out_receipt' then 'customer_receipt'
            when 'in_invoice' then 'vendor_bill'
            when 'in_refund' then 'vendor_refund'
            when 'in_receipt' then 'vendor_receipt'
        end as invoice_kind,
        case when moves.move_type like 'out\_%' then 'customer' else 'vendor' end as direction,
        moves.move_type in ('out_refund', 'in_refund') as is_refund,
        moves.state,
        moves.payment_state,
        moves.company_id,
        moves.journal_id,
        moves.partner_id,
        moves.commercial_partner_id,
        moves.ref,
        moves.payment_reference,
        coalesce(moves.invoice_date, moves.accounting_date) as invoice_date,
        moves.accounting_date,
        moves.invoice_date_due as due_date,
        moves.currency_id,
        companies.currency_id as company_currency_id,
        moves.invoice_currency_rate,
        moves.amount_untaxed,
        moves.amount_tax,
        moves.amount_total,
        moves.amount_residual,
        moves.amount_untaxed_signed,
        moves.amount_tax_signed,
        moves.amount_total_signed,
        moves.amount_residual_signed,
        moves.state = 'posted' and moves.amount_residual <> 0 as is_open,
        moves.updated_at as source_updated_at
    from {{ ref('stg_odoo__account_moves') }} as moves
    inner join {{ ref('stg_odoo__res_companies') }} as companies
        on companies.company_id = moves.company_id
    where moves.move_type <> 'entry'
      and {{ is_new_or_changed('moves.move_id', ref('stg_odoo__account_moves'), 'move_id', 'updated_at', 'invoice_id') }}
)

select * from invoices
