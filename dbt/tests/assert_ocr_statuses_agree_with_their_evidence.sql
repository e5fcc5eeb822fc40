{{ config(meta={'dagster': {'ref': {'name': 'ocr_bill_matching'}}}) }}

-- Each status is backed by its evidence: a matched invoice has a bill in its currency within the amount
-- tolerance; an amount mismatch has a bill outside it (or in another currency); a missing one has no
-- bill; a duplicate points at an original of the same vendor and number loaded no later than itself.
select
    rows.ocr_invoice_id,
    rows.match_status
from {{ ref('ocr_bill_matching') }} as rows
left join {{ ref('ocr_bill_matching') }} as originals
    on originals.ocr_invoice_id = rows.duplicate_of_ocr_invoice_id
where case rows.match_status
    when 'matched' then not coalesce(rows.odoo_currency_code = rows.currency_code
                                     and abs(rows.amount_difference) <= rows.amount_tolerance, false)
    when 'amount_mismatch' then rows.odoo_move_id is null
                                or coalesce(abs(rows.amount_difference) <= rows.amount_tolerance, false)
    when 'missing_in_odoo' then rows.odoo_move_id is not null
    when 'duplicate' then originals.ocr_invoice_id is null
                          or originals.loaded_at > rows.loaded_at
                          or upper(regexp_replace(originals.invoice_number, '[^[:alnum:]]+', '', 'g'))
                             <> upper(regexp_replace(rows.invoice_number, '[^[:alnum:]]+', '', 'g'))
    else true
end
