{#- An aging mart: open items of one account type per company, partner and bucket, in company currency.
    `sign` turns payables (credit residuals) into positive amounts owed. -#}
{% macro aging_mart(account_type, sign) %}
select
    open_items.company_id,
    open_items.partner_id,
    coalesce(partners.partner_name, '(no partner)') as partner_name,
    cast({{ aging_bucket('open_items.days_past_due') }} as varchar) as aging_bucket,
    {{ sign }} * sum(open_items.amount_residual) as residual_amount,
    cast(count(*) as integer) as item_count,
    max(open_items.currency_id) as currency_id,
    open_items.as_of_date
from {{ ref('int_finance__open_items') }} as open_items
left join {{ ref('dim_partner') }} as partners
    on partners.partner_id = open_items.partner_id
where open_items.account_type = '{{ account_type }}'
group by 1, 2, 3, 4, open_items.as_of_date
{% endmacro %}
