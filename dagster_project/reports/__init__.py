"""The monthly financial report: figures from the marts, rule-based insights, PDF, HTML and JSON, delivery.

See docs/reports.md."""
