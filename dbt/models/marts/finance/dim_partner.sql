select
    partners.partner_id,
    partners.partner_name,
    partners.complete_name,
    partners.parent_partner_id,
    partners.commercial_partner_id,
    commercial.partner_name as commercial_partner_name,
    partners.is_company,
    partners.partner_ref,
    partners.vat,
    partners.company_id,
    partners.country_id,
    partners.city,
    partners.email,
    partners.customer_rank > 0 as is_customer,
    partners.supplier_rank > 0 as is_vendor,
    partners.customer_rank,
    partners.supplier_rank,
    partners.is_active
from {{ ref('stg_odoo__res_partners') }} as partners
left join {{ ref('stg_odoo__res_partners') }} as commercial
    on commercial.partner_id = partners.commercial_partner_id
