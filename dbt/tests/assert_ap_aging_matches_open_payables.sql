{{ config(meta={'dagster': {'ref': {'name': 'ap_aging'}}}) }}

-- The AP aging total per company equals the open payable residual computed straight from Odoo's
-- replicated tables (ap_aging shows amounts owed as positive numbers, Odoo stores them as credits).
{{ aging_residual_mismatches(ref('ap_aging'), 'liability_payable', -1) }}
