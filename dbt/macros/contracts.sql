{#-
  Contract check without dbt's "numeric with unspecified precision" warning. Odoo stores Monetary fields as
  numeric without scale; in Postgres that is exact arbitrary precision (nothing is rounded), so the marts
  keep it and the warning would only add noise to every build. Same SQL as dbt's default otherwise.
-#}
{% macro postgres__get_empty_schema_sql(columns) %}
    {%- set missing = [] -%}
    select
    {% for i in columns %}
      {%- set col = columns[i] -%}
      {%- if col['data_type'] is not defined -%}
        {%- do missing.append(col['name']) -%}
      {%- endif -%}
      {% set col_name = adapter.quote(col['name']) if col.get('quote') else col['name'] %}
      {{ cast('null', col['data_type']) }} as {{ col_name }}{{ ", " if not loop.last }}
    {%- endfor -%}
    {%- if (missing | length) > 0 -%}
      {{ exceptions.column_type_missing(column_names=missing) }}
    {%- endif -%}
{% endmacro %}
