"""The warehouse's declared schema: DBML for the platform's own tables, dbt contracts for the marts, and the
drift and migrations between them and a live database (docs/warehouse-schema.md)."""
