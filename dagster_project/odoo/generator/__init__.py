"""The demo-data generator: a tool beside the product that makes a realistic Odoo 19 finance database (`seed`)
and keeps business activity going on it (`simulate`). The product never imports it; tests, benchmarks and
`hybrid odoo seed|simulate` do. See docs/odoo-generator.md."""
