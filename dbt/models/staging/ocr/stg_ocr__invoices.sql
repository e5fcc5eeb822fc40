-- OCR'd vendor invoices (ocr.invoices), renamed and typed, with the normalized keys the matching joins on.
{%- set invoices = source('ocr', 'invoices') %}
{%- set missing = empty_if_missing(invoices) %}
{%- if missing | trim %}
{{ missing }}
{%- else %}
select
    id as ocr_invoice_id,
    content_sha256,
    source_name,
    vendor_name,
    vendor_vat,
    bill_to_name,
    bill_to_vat,
    invoice_number,
    invoice_date,
    due_date,
    cast(currency_code as varchar) as currency_code,
    cast(amount_untaxed as numeric) as amount_untaxed,
    cast(amount_tax as numeric) as amount_tax,
    cast(amount_total as numeric) as amount_total,
    cast(confidence as numeric) as confidence,
    engine,
    extracted_at,
    loaded_at,
    {{ normalized_code('vendor_vat') }} as vendor_vat_normalized,
    {{ normalized_name('vendor_name') }} as vendor_name_normalized,
    {{ normalized_code('invoice_number') }} as invoice_number_normalized,
    {{ normalized_code('bill_to_vat') }} as bill_to_vat_normalized,
    {{ normalized_name('bill_to_name') }} as bill_to_name_normalized
from {{ invoices }}
{%- endif %}
