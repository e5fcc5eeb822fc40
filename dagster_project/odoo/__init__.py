"""A generated Odoo 19 finance database: schema, seed data, live activity and checksums."""
