"""Database resources built from the instance matrix: the matrix names the variable, EnvVar reads it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from dagster import ConfigurableResource, EnvVar

from dagster_project.config.matrix import Environment, load_matrix

CONNECT_TIMEOUT = 10  # seconds: a host that accepts TCP and never answers must not stall a sensor tick


class PostgresResource(ConfigurableResource):
    """A Postgres database reached by a connection string that lives only in the environment."""

    dsn: str

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection]:
        with psycopg.connect(self.dsn, connect_timeout=CONNECT_TIMEOUT) as conn:
            yield conn


def current_environment() -> Environment:
    """HYBRID_ENV picks the matrix environment the code location serves (default `local`)."""
    return load_matrix().resolve(os.environ.get("HYBRID_ENV", "local"))


def database_resources(env: Environment) -> dict[str, PostgresResource]:
    """Each job's own role (docs/security.md): `warehouse` is the ops role (operations tables, replica
    monitoring), `ocr_warehouse` the role that may write only schema ocr. The superuser is none of them."""
    return {
        "odoo_db": PostgresResource(dsn=EnvVar(env.odoo.variables["db_url"][0])),
        "warehouse": PostgresResource(dsn=EnvVar(env.supabase.variables["ops_url"][0])),
        "ocr_warehouse": PostgresResource(dsn=EnvVar(env.supabase.variables["ocr_url"][0])),
    }
