{{ config(meta={'dagster': {'ref': {'name': 'revenue_monthly'}}}, store_failures=true, schema='analytics') }}

-- revenue_monthly (customer invoices, receipts and refunds by invoice date) plus revenue booked outside
-- customer documents plus timing equals the income statement's revenue, per company and month.
{{ document_ties(
    'customer', ['revenue'],
    "select company_id, month, revenue as amount, invoice_count, refund_count, receipt_count from "
        ~ ref('revenue_monthly'),
    {'out_invoice': 'invoice_count', 'out_refund': 'refund_count', 'out_receipt': 'receipt_count'}
) }}
