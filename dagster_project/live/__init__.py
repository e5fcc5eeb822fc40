"""The live path: the warehouse's dbt tables follow the replica continuously (docs/marts.md#live-marts)."""
