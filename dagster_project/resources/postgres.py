"""Database resources built from the instance matrix: the matrix names the variable, EnvVar reads it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from dagster import ConfigurableResource, EnvVar

from dagster_project.config import database
from dagster_project.config.matrix import Environment, load_matrix


class PostgresResource(ConfigurableResource):
    """A Postgres database reached by a connection string that lives only in the environment."""

    dsn: str
    source: str = "a Dagster resource's connection string"  # named in connection errors

    @contextmanager
    def connect(self, autocommit: bool = False,
                statement_timeout_s: float = database.STATEMENT_TIMEOUT_S) -> Iterator[psycopg.Connection]:
        with database.connect(self.dsn, source=self.source, autocommit=autocommit,
                              statement_timeout_s=statement_timeout_s) as conn:
            yield conn


def env_resource(env: Environment, service: str, purpose: str) -> PostgresResource:
    name = env.services[service].variables[purpose][0]
    return PostgresResource(dsn=EnvVar(name), source=f"environment '{env.name}', variable {name}")


def current_environment() -> Environment:
    """HYBRID_ENV picks the matrix environment the code location serves (default `local`)."""
    return load_matrix().resolve(os.environ.get("HYBRID_ENV", "local"))


def database_resources(env: Environment) -> dict[str, PostgresResource]:
    """Each job's own role (docs/security.md): `warehouse` is the ops role (operations tables, replica
    monitoring), `ocr_warehouse` the role that may write only schema ocr. The superuser is none of them."""
    return {
        "odoo_db": env_resource(env, "odoo", "db_url"),
        "warehouse": env_resource(env, "supabase", "ops_url"),
        "ocr_warehouse": env_resource(env, "supabase", "ocr_url"),
        "dbt_warehouse": env_resource(env, "supabase", "dbt_url"),  # the live path's checks read as dbt does
    }
