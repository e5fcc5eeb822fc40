-- Receivables still open per company, partner and aging bucket (amounts customers owe, company currency).
{{ aging_mart('asset_receivable', 1) }}
