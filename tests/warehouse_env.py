"""The instance-matrix variables of the warehouse, for tests that run on a database of their own."""

from __future__ import annotations

from dagster_project.config.matrix import load_matrix


def warehouse_variables(dsn: str, env: str = "local") -> dict[str, str]:
    """Every warehouse variable of `env` (the superuser's and each job role's) set to one DSN: a test database
    owned by one role stands in for all of them (tests/stack/test_privileges.py tries the real roles)."""
    return {names[0]: dsn for names in load_matrix().resolve(env).supabase.variables.values()}
