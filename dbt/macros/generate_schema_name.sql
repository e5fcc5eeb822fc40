{#- Exact schema names (`analytics`, `warehouse`): dbt's default would prefix them with the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
