"""The DBT_* connection variables dbt-postgres reads (dbt/profiles.yml), derived from the instance matrix.

The matrix keeps dbt's warehouse connection string per environment (SUPABASE_DBT_URL_<ENV>, role dbt); dbt wants
host/port/user/password/dbname. Deriving them here, in memory, keeps the secret out of every file.

Run dbt by hand with them: ``hybrid dbt build --env local`` (cli/dbt_cmd.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from psycopg import ProgrammingError
from psycopg.conninfo import conninfo_to_dict

from dagster_project.config.environ import environ_overrides
from dagster_project.config.matrix import Environment, MatrixError


class DbtEnvError(MatrixError):
    """The warehouse connection string cannot be turned into dbt connection settings."""


def dbt_env(env: Environment, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """DBT_TARGET, DBT_HOST, DBT_PORT, DBT_USER, DBT_PASSWORD, DBT_DBNAME, DBT_SSLMODE for `env`."""
    dsn = env.value("supabase", "dbt_url", environ)
    variable = " or ".join(env.supabase.variables["dbt_url"])
    try:
        parts = conninfo_to_dict(dsn)
    except ProgrammingError as exc:
        reason = " ".join(str(exc).split())
        raise DbtEnvError(
            f"environment '{env.name}': {variable} is not a valid Postgres connection string ({reason}); "
            "fix: set it to postgresql://user:password@host:port/dbname"
        ) from exc
    if not parts.get("host"):
        raise DbtEnvError(
            f"environment '{env.name}': {variable} names no host; fix: set it to postgresql://user:password@host:port/dbname"
        )
    return {
        "DBT_TARGET": env.name,
        "DBT_HOST": str(parts["host"]),
        "DBT_PORT": str(parts.get("port") or 5432),
        "DBT_USER": str(parts.get("user") or "postgres"),
        "DBT_PASSWORD": str(parts.get("password") or ""),
        "DBT_DBNAME": str(parts.get("dbname") or env.supabase.database or "postgres"),
        "DBT_SSLMODE": str(parts.get("sslmode") or "prefer"),
    }


@contextmanager
def dbt_environment(env: Environment) -> Iterator[dict[str, str]]:
    """Set the DBT_* variables in this process for the duration (dagster-dbt passes os.environ to dbt)."""
    values = dbt_env(env)
    with environ_overrides(values):
        yield values
