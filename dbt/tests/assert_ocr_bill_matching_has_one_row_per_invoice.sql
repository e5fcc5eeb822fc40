{{ config(meta={'dagster': {'ref': {'name': 'ocr_bill_matching'}}}) }}

-- Exactly one row per OCR'd invoice: the partner, bill and company joins neither lose an invoice nor fan
-- one out over several candidates (a vendor with namesakes, a reference on several bills).
with mart as (
    select ocr_invoice_id, count(*) as rows_in_mart
    from {{ ref('ocr_bill_matching') }}
    group by ocr_invoice_id
)

select
    coalesce(invoices.ocr_invoice_id, mart.ocr_invoice_id) as ocr_invoice_id,
    coalesce(mart.rows_in_mart, 0) as rows_in_mart
from {{ ref('stg_ocr__invoices') }} as invoices
full outer join mart
    on mart.ocr_invoice_id = invoices.ocr_invoice_id
where mart.rows_in_mart is distinct from 1
   or invoices.ocr_invoice_id is null
