-- One row per company, currency and rate period: the rate valid from valid_from until the next rate
-- (valid_to, exclusive). A branch uses its root company's rates; each company's own currency has rate 1.
with company_rates as (
    select
        companies.company_id,
        rates.currency_id,
        rates.rate_date as valid_from,
        rates.rate
    from {{ ref('stg_odoo__res_companies') }} as companies
    inner join {{ ref('stg_odoo__res_currency_rates') }} as rates
        on rates.company_id = companies.root_company_id
    where rates.currency_id <> companies.currency_id

    union all

    select company_id, currency_id, date '1900-01-01', 1
    from {{ ref('stg_odoo__res_companies') }}
)

select
    company_rates.company_id,
    company_rates.currency_id,
    currencies.currency_code,
    currencies.currency_name,
    currencies.currency_symbol,
    currencies.decimal_places,
    company_rates.currency_id = companies.currency_id as is_company_currency,
    company_rates.rate,
    cast(1 / nullif(company_rates.rate, 0) as numeric) as company_currency_per_unit,
    company_rates.valid_from,
    lead(company_rates.valid_from) over (
        partition by company_rates.company_id, company_rates.currency_id order by company_rates.valid_from
    ) as valid_to,
    currencies.is_active
from company_rates
inner join {{ ref('stg_odoo__res_currencies') }} as currencies
    on currencies.currency_id = company_rates.currency_id
inner join {{ ref('stg_odoo__res_companies') }} as companies
    on companies.company_id = company_rates.company_id
