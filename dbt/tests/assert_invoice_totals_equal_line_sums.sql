{{ config(meta={'dagster': {'ref': {'name': 'fct_invoices'}}}) }}

-- Each posted invoice's amounts equal the sums of its journal items, as Odoo computes them: untaxed from
-- the product lines, tax from the tax lines, total and residual from the payment-term (receivable or
-- payable) lines; company currency signed, and the document-currency total unsigned.
with line_sums as (
    select
        move_id,
        -sum(balance) filter (where display_type = 'product') as untaxed_signed,
        -sum(balance) filter (where display_type = 'tax') as tax_signed,
        sum(balance) filter (where display_type = 'payment_term') as total_signed,
        abs(sum(amount_currency) filter (where display_type = 'payment_term')) as total,
        sum(amount_residual) filter (where display_type = 'payment_term') as residual_signed
    from {{ ref('fct_journal_items') }}
    group by move_id
)

select
    invoices.invoice_id,
    invoices.invoice_number,
    invoices.amount_untaxed_signed,
    line_sums.untaxed_signed,
    invoices.amount_tax_signed,
    line_sums.tax_signed,
    invoices.amount_total_signed,
    line_sums.total_signed,
    invoices.amount_total,
    line_sums.total,
    invoices.amount_residual_signed,
    line_sums.residual_signed
from {{ ref('fct_invoices') }} as invoices
left join line_sums
    on line_sums.move_id = invoices.invoice_id
where invoices.state = 'posted'
  and (
      invoices.amount_untaxed_signed is distinct from coalesce(line_sums.untaxed_signed, 0)
      or invoices.amount_tax_signed is distinct from coalesce(line_sums.tax_signed, 0)
      or invoices.amount_total_signed is distinct from coalesce(line_sums.total_signed, 0)
      or invoices.amount_total is distinct from coalesce(line_sums.total, 0)
      or invoices.amount_residual_signed is distinct from coalesce(line_sums.residual_signed, 0)
  )
