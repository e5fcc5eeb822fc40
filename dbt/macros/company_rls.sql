{#- Row-level security in Postgres on every mart with a company_id column, so a role that reads the warehouse
    directly (SQL Lab on a company's own connection, psql, another BI tool) sees only its companies' rows, as
    Superset's own filters show them (docs/security.md). The owner (dbt) is not subject to it; members of the
    role in var('all_companies_role') (superset_reader, ops) read every row; a member of `company_<id>` reads
    company <id>. Rows without a company (shared partners) are visible to every reader. Re-created on every
    build, since a table materialization replaces the table. -#}
{% macro company_rls() %}
  {%- if 'company_id' in model.columns and config.get('materialized') in ('table', 'incremental') -%}
    alter table {{ this }} enable row level security;
    drop policy if exists company_scope on {{ this }};
    create policy company_scope on {{ this }} for select using (
        (select exists (select 1 from pg_roles where rolname = '{{ var("all_companies_role") }}'
                                                 and pg_has_role(current_user, oid, 'member')))
        or company_id is null
        or company_id in (select substr(r.rolname, 9)::integer from pg_roles r
                          where r.rolname ~ '^company_[0-9]+$' and pg_has_role(current_user, r.oid, 'member'))
    )
  {%- endif -%}
{% endmacro %}
