-- Each OCR'd vendor invoice against Odoo's vendor bills (in_invoice, not cancelled): the vendor is the
-- commercial partner with the invoice's VAT, or else the one with its name (both normalized); the bill is
-- that partner's with the invoice number as reference (`ref`); its total must agree within the amount
-- tolerance. Status: duplicate (an earlier-loaded invoice has the same vendor and number), matched,
-- amount_mismatch, missing_in_odoo. Tolerances: dbt vars (macros/ocr_matching.sql, docs/marts.md).
with ocr as (
    select * from {{ ref('stg_ocr__invoices') }}
),

partners as (
    select
        partner_id,
        commercial_partner_id,
        partner_id = commercial_partner_id as is_commercial,
        {{ normalized_code('vat') }} as vat_normalized,
        {{ normalized_name('partner_name') }} as name_normalized
    from {{ ref('stg_odoo__res_partners') }}
),

-- The vendor's Odoo commercial partners: by VAT when any partner carries it (a contact leads to its
-- commercial partner), otherwise the commercial partners with the same normalized name.
by_vat as (
    select distinct ocr.ocr_invoice_id, partners.commercial_partner_id as partner_id, 'vat' as matched_on
    from ocr
    inner join partners
        on partners.vat_normalized = ocr.vendor_vat_normalized
),

by_name as (
    select distinct ocr.ocr_invoice_id, partners.partner_id, 'name' as matched_on
    from ocr
    inner join partners
        on partners.name_normalized = ocr.vendor_name_normalized
        and partners.is_commercial
    where not exists (select 1 from by_vat where by_vat.ocr_invoice_id = ocr.ocr_invoice_id)
),

vendor_partners as (
    select * from by_vat
    union all
    select * from by_name
),

bills as (
    select
        moves.move_id,
        moves.move_name,
        moves.state,
        moves.commercial_partner_id,
        moves.company_id,
        currencies.currency_code,
        moves.amount_total,
        coalesce(moves.invoice_date, moves.accounting_date) as bill_date,
        {{ normalized_code('moves.ref') }} as ref_normalized
    from {{ ref('stg_odoo__account_moves') }} as moves
    inner join {{ ref('stg_odoo__res_currencies') }} as currencies
        on currencies.currency_id = moves.currency_id
    where moves.move_type = 'in_invoice'
      and moves.state <> 'cancel'
),

-- Every bill of a vendor partner whose reference is the invoice number; the best one per invoice is the
-- one within the amount tolerance, then within the date tolerance, then the closest, posted before draft.
candidates as (
    select
        ocr.ocr_invoice_id,
        vendor_partners.matched_on,
        bills.*,
        differences.amount_difference,
        differences.date_difference_days,
        coalesce(abs(differences.amount_difference) <= {{ ocr_amount_tolerance('ocr.amount_total') }}, false)
            as is_amount_within_tolerance,
        abs(differences.date_difference_days) <= {{ ocr_date_tolerance_days() }} as is_date_within_tolerance
    from ocr
    inner join vendor_partners
        on vendor_partners.ocr_invoice_id = ocr.ocr_invoice_id
    inner join bills
        on bills.commercial_partner_id = vendor_partners.partner_id
        and bills.ref_normalized = ocr.invoice_number_normalized
    cross join lateral (
        select
            case when bills.currency_code = ocr.currency_code then ocr.amount_total - bills.amount_total end
                as amount_difference,
            ocr.invoice_date - bills.bill_date as date_difference_days
    ) as differences
),

best_bill as (
    select *
    from (
        select
            candidates.*,
            row_number() over (
                partition by candidates.ocr_invoice_id
                order by candidates.is_amount_within_tolerance desc, candidates.is_date_within_tolerance desc,
                    abs(candidates.amount_difference) nulls last, abs(candidates.date_difference_days),
                    candidates.state = 'posted' desc, candidates.move_id
            ) as preference
        from candidates
    ) as ordered
    where preference = 1
),

-- Without a bill, the vendor partner found (the lowest id when several share the VAT or name).
vendor_partner as (
    select ocr_invoice_id, min(partner_id) as partner_id, min(matched_on) as matched_on
    from vendor_partners
    group by ocr_invoice_id
),

companies as (
    select
        companies.company_id,
        companies.company_name,
        companies.parent_company_id,
        {{ normalized_code('company_partners.vat') }} as vat_normalized,
        {{ normalized_name('companies.company_name') }} as name_normalized
    from {{ ref('stg_odoo__res_companies') }} as companies
    left join {{ ref('stg_odoo__res_partners') }} as company_partners
        on company_partners.partner_id = companies.partner_id
),

-- The billed company when no bill says it: by the bill-to VAT, else by the bill-to name; a root company
-- before a branch sharing its VAT.
bill_to_company as (
    select *
    from (
        select
            ocr.ocr_invoice_id,
            companies.company_id,
            row_number() over (
                partition by ocr.ocr_invoice_id
                order by companies.vat_normalized = ocr.bill_to_vat_normalized desc nulls last,
                    companies.parent_company_id is null desc, companies.company_id
            ) as preference
        from ocr
        inner join companies
            on companies.vat_normalized = ocr.bill_to_vat_normalized
            or companies.name_normalized = ocr.bill_to_name_normalized
    ) as ordered
    where preference = 1
),

resolved as (
    select
        ocr.*,
        best_bill.move_id,
        best_bill.move_name,
        best_bill.state as bill_state,
        best_bill.bill_date,
        best_bill.currency_code as bill_currency_code,
        best_bill.amount_total as bill_amount_total,
        best_bill.amount_difference,
        best_bill.date_difference_days,
        best_bill.is_amount_within_tolerance,
        best_bill.is_date_within_tolerance,
        coalesce(best_bill.matched_on, vendor_partner.matched_on) as matched_on,
        coalesce(best_bill.commercial_partner_id, vendor_partner.partner_id) as partner_id,
        coalesce(best_bill.company_id, bill_to_company.company_id) as company_id
    from ocr
    left join best_bill
        on best_bill.ocr_invoice_id = ocr.ocr_invoice_id
    left join vendor_partner
        on vendor_partner.ocr_invoice_id = ocr.ocr_invoice_id
    left join bill_to_company
        on bill_to_company.ocr_invoice_id = ocr.ocr_invoice_id
),

-- The same vendor (its Odoo partner, else its VAT, else its name) and invoice number loaded more than
-- once: the earliest load is the original, the later ones are duplicates of it.
with_originals as (
    select
        resolved.*,
        case when resolved.invoice_number_normalized is not null then
            first_value(resolved.ocr_invoice_id) over (
                partition by
                    coalesce('partner:' || resolved.partner_id, 'vat:' || resolved.vendor_vat_normalized,
                             'name:' || resolved.vendor_name_normalized),
                    resolved.invoice_number_normalized
                order by resolved.loaded_at, resolved.ocr_invoice_id
            )
        end as original_ocr_invoice_id
    from resolved
)

select
    with_originals.ocr_invoice_id,
    with_originals.content_sha256,
    with_originals.source_name,
    with_originals.vendor_name,
    with_originals.vendor_vat,
    with_originals.invoice_number,
    with_originals.invoice_date,
    with_originals.currency_code,
    with_originals.amount_total,
    with_originals.confidence,
    with_originals.loaded_at,
    cast(case
        when with_originals.original_ocr_invoice_id <> with_originals.ocr_invoice_id then 'duplicate'
        when with_originals.move_id is null then 'missing_in_odoo'
        when with_originals.is_amount_within_tolerance then 'matched'
        else 'amount_mismatch'
    end as varchar) as match_status,
    cast(with_originals.matched_on as varchar) as matched_on,
    with_originals.move_id as odoo_move_id,
    with_originals.move_name as odoo_bill_name,
    with_originals.bill_state as odoo_bill_state,
    with_originals.bill_date as odoo_bill_date,
    with_originals.partner_id as odoo_partner_id,
    partners.partner_name as odoo_partner_name,
    with_originals.bill_currency_code as odoo_currency_code,
    with_originals.bill_amount_total as odoo_amount_total,
    with_originals.amount_difference,
    {{ ocr_amount_tolerance('with_originals.amount_total') }} as amount_tolerance,
    with_originals.date_difference_days,
    with_originals.is_date_within_tolerance,
    nullif(with_originals.original_ocr_invoice_id, with_originals.ocr_invoice_id) as duplicate_of_ocr_invoice_id,
    with_originals.company_id,
    companies.company_name
from with_originals
left join {{ ref('stg_odoo__res_partners') }} as partners
    on partners.partner_id = with_originals.partner_id
left join {{ ref('stg_odoo__res_companies') }} as companies
    on companies.company_id = with_originals.company_id
