{#- Odoo 16+ stores translatable fields as jsonb keyed by language; the platform reports in en_US. -#}
{% macro translated(column) -%}
    ({{ column }} ->> 'en_US')
{%- endmacro %}
