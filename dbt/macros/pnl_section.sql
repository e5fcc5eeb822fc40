{#- The income statement section of an Odoo account type; null for balance-sheet types (a new
    profit-and-loss type Odoo adds fails the not_null test on int_finance__pnl_items.section). -#}
{% macro pnl_section(account_type) -%}
    case {{ account_type }}
        when 'income' then 'revenue'
        when 'income_other' then 'other_income'
        when 'expense_direct_cost' then 'cost_of_revenue'
        when 'expense' then 'operating_expenses'
        when 'expense_depreciation' then 'depreciation'
        when 'expense_other' then 'other_expenses'
    end
{%- endmacro %}
