-- Revenue by customer documents: posted invoices, receipts and refunds, untaxed, per company and month
-- of invoice date, company currency. income_statement_monthly is the ledger basis (accounting date);
-- the tie-out test explains every difference between the two.
select
    company_id,
    cast(date_trunc('month', invoice_date) as date) as month,
    max(company_currency_id) as currency_id,
    sum(amount_untaxed_signed) as revenue,
    cast(count(*) filter (where move_type = 'out_invoice') as integer) as invoice_count,
    cast(count(*) filter (where move_type = 'out_refund') as integer) as refund_count,
    cast(count(*) filter (where move_type = 'out_receipt') as integer) as receipt_count
from {{ ref('fct_invoices') }}
where state = 'posted'
  and move_type in ('out_invoice', 'out_refund', 'out_receipt')
group by 1, 2
