{#- The aging date: the `as_of_date` variable (YYYY-MM-DD) or, unset, today in the `reporting_timezone`
    (the team's calendar day, whatever the database session's time zone). -#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
            {{ exceptions.raise_compiler_error("var as_of_date must be a date as YYYY-MM-DD, got '" ~ value ~ "'; fix: --vars '{as_of_date: 2026-03-31}'") }}
        {%- endif -%}
        cast('{{ value }}' as date)
    {%- else -%}
        {%- set zone = var('reporting_timezone') | string -%}
        {%- if not modules.re.match('^[A-Za-z][A-Za-z0-9_+/-]*$', zone) -%}
            {{ exceptions.raise_compiler_error("var reporting_timezone must be an IANA time zone name like Asia/Manila, got '" ~ zone ~ "'") }}
        {%- endif -%}
        cast(now() at time zone '{{ zone }}' as date)
    {%- endif -%}
{%- endmacro %}

{#- Aging buckets of Odoo's aged receivable/payable report, from days past due. -#}
{% macro aging_bucket(days_past_due) -%}
    case
        when {{ days_past_due }} <= 0 then 'current'
        when {{ days_past_due }} <= 30 then '1-30'
        when {{ days_past_due }} <= 60 then '31-60'
        when {{ days_past_due }} <= 90 then '61-90'
        when {{ days_past_due }} <= 120 then '91-120'
        else '120+'
    end
{%- endmacro %}
