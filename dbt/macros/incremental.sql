{#-
  Incremental models here pick source rows by comparing each row's version (its Odoo write_date) with the
  version already in the target, not by a high-water mark: Odoo stamps write_date at transaction start,
  so late commits and clock skew would slip under a mark. Deletes in the source are applied by a
  post-hook. Together a run converges to exactly what a full refresh builds.
-#}

{#- Condition keeping source rows that are new or whose version differs from the target's. Only the key and
    the version are compared (a narrow anti-join), so the wide rows are read for changed keys only. -#}
{% macro is_new_or_changed(column, source_relation, source_key, version_column, unique_key) -%}
    {%- if is_incremental() -%}
    {{ column }} in (
        select src.{{ source_key }}
        from {{ source_relation }} as src
        where not exists (
            select 1
            from {{ this }} as existing
            where existing.{{ unique_key }} = src.{{ source_key }}
              and existing.source_updated_at = src.{{ version_column }}
        )
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: delete target rows whose key no longer exists in the (filtered) source relation. -#}
{% macro delete_rows_missing_from(source_relation, unique_key, source_key, source_filter='true') -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as existing
    where not exists (
        select 1
        from {{ source_relation }} as src
        where src.{{ source_key }} = existing.{{ unique_key }}
          and ({{ source_filter }})
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
