{#- on-run-end: a dbt run or build replaced or merged tables the live worker also writes (docs/marts.md#live-marts).
    Recording it makes the worker's next batch rebuild every live table from the replica as it is now, so
    nothing a batch applied while dbt read an older snapshot is lost. A warehouse without the live path: no-op. -#}
{% macro live_path_after_dbt() -%}
    {%- if execute and flags.WHICH in ('run', 'build') -%}
    do $$ begin
        if to_regclass('live.changes') is not null then
            insert into live.changes (source, kind) values ('dbt', 'table');
        end if;
    end $$
    {%- endif -%}
{%- endmacro %}
