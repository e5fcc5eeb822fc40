{#-
  The tie between a document-based figure and the ledger, per company and month, for one direction
  (customer: revenue; vendor: expenses). With
    documents(m)  the posted documents' untaxed amount by invoice month (the document-based mart),
    outside(m)    the section's lines on moves that are not such documents (journal entries, FX),
    timing(m)     documents accounted in m minus documents invoiced in m (invoice date <> accounting date),
  the ledger's amount of the sections equals documents + outside + timing. Rows: the months where it
  does not, naming the documents behind the difference: those whose lines on the sections differ from
  their untaxed amount, and those of a kind the mart counted differently.
-#}
{% macro document_ties(direction, sections, mart_amounts, kinds) %}
with documents as (
    select
        invoice_id as move_id,
        invoice_number,
        move_type,
        company_id,
        cast(date_trunc('month', invoice_date) as date) as invoice_month,
        cast(date_trunc('month', accounting_date) as date) as accounting_month,
        {{ '-' if direction == 'vendor' }}amount_untaxed_signed as document_amount
    from {{ ref('fct_invoices') }}
    where state = 'posted'
      and direction = '{{ direction }}'
),

section_items as (
    select * from {{ ref('int_finance__pnl_items') }}
    where section in ({% for s in sections %}'{{ s }}'{{ ', ' if not loop.last }}{% endfor %})
),

per_document as (
    select documents.*, coalesce(sum(section_items.amount), 0) as ledger_amount
    from documents
    left join section_items
        on section_items.move_id = documents.move_id
    group by documents.move_id, documents.invoice_number, documents.move_type, documents.company_id,
             documents.invoice_month, documents.accounting_month, documents.document_amount
),

outside as (
    select company_id, period as month, sum(amount) as amount
    from section_items
    where not exists (select 1 from documents where documents.move_id = section_items.move_id)
    group by company_id, period
),

ledger as (
    select company_id, period as month, sum(amount) as amount
    from section_items
    group by company_id, period
),

mart as (
    {{ mart_amounts }}
),

kinds_in_documents as (
    select company_id, invoice_month as month, move_type, count(*) as documents
    from documents
    group by company_id, invoice_month, move_type
),

miscounted as (
    select kinds_in_documents.company_id, kinds_in_documents.month, kinds_in_documents.move_type
    from kinds_in_documents
    left join mart
        on mart.company_id = kinds_in_documents.company_id
       and mart.month = kinds_in_documents.month
    where kinds_in_documents.documents is distinct from case kinds_in_documents.move_type
        {% for move_type, column in kinds.items() %}when '{{ move_type }}' then mart.{{ column }} {% endfor %}
        end
),

timing as (
    select company_id, month, sum(amount) as amount
    from (
        select company_id, accounting_month as month, document_amount as amount from documents
        union all
        select company_id, invoice_month, -document_amount from documents
    ) as shifts
    group by company_id, month
),

months as (
    select company_id, month from ledger
    union
    select company_id, month from mart
    union
    select company_id, month from timing
),

ties as (
    select
        months.company_id,
        months.month,
        coalesce(ledger.amount, 0) as ledger_amount,
        coalesce(mart.amount, 0) as document_amount,
        coalesce(outside.amount, 0) as outside_documents,
        coalesce(timing.amount, 0) as timing,
        coalesce(ledger.amount, 0) - coalesce(mart.amount, 0) - coalesce(outside.amount, 0)
            - coalesce(timing.amount, 0) as difference
    from months
    left join ledger on ledger.company_id = months.company_id and ledger.month = months.month
    left join mart on mart.company_id = months.company_id and mart.month = months.month
    left join outside on outside.company_id = months.company_id and outside.month = months.month
    left join timing on timing.company_id = months.company_id and timing.month = months.month
)

select
    ties.*,
    (
        select string_agg(per_document.invoice_number || ' (' || per_document.move_type || ', document '
                          || per_document.document_amount || ', ledger ' || per_document.ledger_amount || ')',
                          '; ' order by per_document.invoice_number)
        from per_document
        where per_document.company_id = ties.company_id
          and (
              (per_document.accounting_month = ties.month
               and per_document.ledger_amount <> per_document.document_amount)
              or exists (
                  select 1 from miscounted
                  where miscounted.company_id = ties.company_id
                    and miscounted.month = ties.month
                    and miscounted.month = per_document.invoice_month
                    and miscounted.move_type = per_document.move_type
              )
          )
    ) as moves
from ties
where ties.difference <> 0
{% endmacro %}
