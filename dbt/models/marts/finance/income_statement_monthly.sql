-- The income statement per company and month, from the posted lines on profit-and-loss accounts by
-- accounting date, in company currency: every section positive in its natural direction.
with sections as (
    select
        company_id,
        period as month,
        max(currency_id) as currency_id,
        coalesce(sum(amount) filter (where section = 'revenue'), 0) as revenue,
        coalesce(sum(amount) filter (where section = 'other_income'), 0) as other_income,
        coalesce(sum(amount) filter (where section = 'cost_of_revenue'), 0) as cost_of_revenue,
        coalesce(sum(amount) filter (where section = 'operating_expenses'), 0) as operating_expenses,
        coalesce(sum(amount) filter (where section = 'depreciation'), 0) as depreciation,
        coalesce(sum(amount) filter (where section = 'other_expenses'), 0) as other_expenses,
        cast(count(*) as integer) as item_count
    from {{ ref('int_finance__pnl_items') }}
    group by company_id, period
)

select
    company_id,
    month,
    currency_id,
    revenue,
    other_income,
    cost_of_revenue,
    revenue - cost_of_revenue as gross_profit,
    operating_expenses,
    depreciation,
    other_expenses,
    cost_of_revenue + operating_expenses + depreciation + other_expenses as total_expenses,
    revenue + other_income - cost_of_revenue - operating_expenses - depreciation - other_expenses as net_income,
    item_count
from sections
