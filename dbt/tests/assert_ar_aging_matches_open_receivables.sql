{{ config(meta={'dagster': {'ref': {'name': 'ar_aging'}}}) }}

-- The AR aging total per company equals the open receivable residual computed straight from Odoo's
-- replicated tables (posted items on receivable accounts), so no open item is lost or counted twice.
{{ aging_residual_mismatches(ref('ar_aging'), 'asset_receivable', 1) }}
