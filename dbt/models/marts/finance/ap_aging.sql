-- Payables still open per company, partner and aging bucket (amounts owed to vendors as positive
-- numbers, company currency).
{{ aging_mart('liability_payable', -1) }}
