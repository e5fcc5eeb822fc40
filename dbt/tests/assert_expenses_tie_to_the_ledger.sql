{{ config(meta={'dagster': {'ref': {'name': 'income_statement_monthly'}}}, store_failures=true, schema='analytics') }}

-- Vendor bills, refunds and receipts (untaxed, by bill date) plus expenses booked outside them (journal
-- entries, exchange differences) plus timing equals the income statement's expenses, per company and
-- month; and expenses_monthly, built from account balances, adds up to the same figure.
with document_ties as (
    {{ document_ties(
        'vendor', ['cost_of_revenue', 'operating_expenses', 'depreciation', 'other_expenses'],
        "select company_id, cast(date_trunc('month', invoice_date) as date) as month,
                sum(-amount_untaxed_signed) as amount,
                count(*) filter (where move_type = 'in_invoice') as bill_count,
                count(*) filter (where move_type = 'in_refund') as refund_count,
                count(*) filter (where move_type = 'in_receipt') as receipt_count
         from " ~ ref('fct_invoices') ~ " where state = 'posted' and direction = 'vendor' group by 1, 2",
        {'in_invoice': 'bill_count', 'in_refund': 'refund_count', 'in_receipt': 'receipt_count'}
    ) }}
),

balances as (
    select
        coalesce(statement.company_id, expenses.company_id) as company_id,
        coalesce(statement.month, expenses.month) as month,
        coalesce(statement.total_expenses, 0) as ledger_amount,
        coalesce(expenses.amount, 0) as document_amount,
        0 as outside_documents,
        0 as timing,
        coalesce(statement.total_expenses, 0) - coalesce(expenses.amount, 0) as difference,
        'expenses_monthly ' || coalesce(expenses.amount, 0) || ' against the income statement' as moves
    from {{ ref('income_statement_monthly') }} as statement
    full outer join (
        select company_id, month, sum(amount) as amount from {{ ref('expenses_monthly') }} group by 1, 2
    ) as expenses
        on expenses.company_id = statement.company_id
       and expenses.month = statement.month
    where coalesce(statement.total_expenses, 0) <> coalesce(expenses.amount, 0)
)

select * from document_ties
union all
select * from balances
