{#-
  OCR reconciliation helpers: the keys an OCR'd vendor invoice and an Odoo vendor bill are compared on, the
  matching tolerances (dbt variables, defaults below), and an empty stand-in for a source the warehouse does
  not have yet. Used by stg_ocr__invoices and ocr_bill_matching (docs/marts.md, "OCR bill matching").
-#}

{#- A code compared without its punctuation or case: VAT numbers, invoice and bill references.
    'ph 979-646-489-000' and 'PH979646489000' agree; nothing but punctuation gives null. -#}
{% macro normalized_code(column) -%}
    nullif(upper(regexp_replace({{ column }}, '[^[:alnum:]]+', '', 'g')), '')
{%- endmacro %}

{#- A company name compared without case, punctuation or a trailing legal form: 'ACME SUPPLIES, INC.' and
    'Acme Supplies Inc' are both 'acme supplies'. Periods and apostrophes are dropped ('A.B.C.' = 'ABC'),
    '&' reads 'and', other punctuation separates words, whitespace collapses. A name that is only a legal
    form keeps it rather than becoming empty. -#}
{% macro normalized_name(column) -%}
    {%- set words = ocr_legal_suffixes() | join('|') -%}
    {%- set cleaned -%}
        trim(regexp_replace(replace(regexp_replace(lower({{ column }}), '[.'']', '', 'g'), '&', ' and '),
                            '[^[:alnum:]]+', ' ', 'g'))
    {%- endset -%}
    nullif(coalesce(nullif(trim(regexp_replace(' ' || {{ cleaned }}, '( (?:{{ words }}))+$', '')), ''),
                    {{ cleaned }}), '')
{%- endmacro %}

{#- Legal forms stripped from the end of a vendor name (var ocr_legal_suffixes: lowercase words). -#}
{% macro ocr_legal_suffixes() -%}
    {%- set words = var('ocr_legal_suffixes', ['inc', 'incorporated', 'corp', 'corporation', 'co', 'company',
                                               'ltd', 'limited', 'llc', 'llp', 'plc', 'pte', 'pty', 'gmbh']) -%}
    {%- for word in words -%}
        {%- if not modules.re.match('^[a-z0-9]+$', word | string) -%}
            {{ exceptions.raise_compiler_error("var ocr_legal_suffixes must list lowercase words like 'inc', got '" ~ word ~ "'; fix: --vars '{ocr_legal_suffixes: [inc, corp, ltd]}'") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(words) }}
{%- endmacro %}

{#- A matching tolerance from its dbt variable: a non-negative number, else a compile error naming the fix. -#}
{% macro ocr_tolerance(name, default) -%}
    {%- set value = var(name, default) -%}
    {%- if not modules.re.match('^[0-9]+([.][0-9]+)?$', value | string) -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a non-negative number, got '" ~ value ~ "'; fix: --vars '{" ~ name ~ ": " ~ default ~ "}'") }}
    {%- endif -%}
    {{ return(value | string) }}
{%- endmacro %}

{#- How far an OCR total may be from the bill's and still match: the larger of a share of the OCR total
    (var ocr_amount_tolerance_pct, default 0.005 = 0.5%) and a fixed amount (var ocr_amount_tolerance_abs,
    default 1.00, document currency), in cents: the tolerance shown is the one applied. -#}
{% macro ocr_amount_tolerance(amount) -%}
    round(greatest(abs({{ amount }}) * {{ ocr_tolerance('ocr_amount_tolerance_pct', '0.005') }},
                   {{ ocr_tolerance('ocr_amount_tolerance_abs', '1.00') }}), 2)
{%- endmacro %}

{#- Days the OCR invoice date may differ from the bill's (var ocr_date_tolerance_days, default 3). -#}
{% macro ocr_date_tolerance_days() -%}
    {%- set days = ocr_tolerance('ocr_date_tolerance_days', '3') -%}
    {%- if '.' in days -%}
        {{ exceptions.raise_compiler_error("var ocr_date_tolerance_days must be a whole number of days, got '" ~ days ~ "'; fix: --vars '{ocr_date_tolerance_days: 3}'") }}
    {%- endif -%}
    {{ days }}
{%- endmacro %}

{#- When `relation` does not exist (a warehouse where no OCR document was ever loaded has no `ocr` tables),
    an empty relation with the calling model's documented columns and types, so the build still passes.
    The next run after the loader creates the tables reads them (the loader's ocr/<table> materialization
    triggers it). Returns '' when the relation exists (or while parsing). -#}
{% macro empty_if_missing(relation) -%}
    {%- if execute and load_relation(relation) is none -%}
    -- {{ relation }} does not exist yet: no rows, the documented columns
    select
    {%- for column in model.columns.values() %}
        cast(null as {{ column.data_type }}) as {{ column.name }}{{ "," if not loop.last }}
    {%- endfor %}
    where false
    {%- endif -%}
{%- endmacro %}
