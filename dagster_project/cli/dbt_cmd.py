"""`hybrid dbt ...`: dbt itself, run in the project's dbt directory with an environment's warehouse connection."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from dagster_project.cli.common import EXIT_USAGE, fail, handle_errors, resolve_env


def split_env(args: tuple[str, ...], default: str) -> tuple[str, list[str]]:
    """`--env E` (or `--env=E`) anywhere among dbt's arguments: dbt has no option of that name."""
    env, rest, items = default, [], iter(args)
    for item in items:
        if item == "--env":
            env = next(items, "")
            if not env:
                fail("--env needs an environment name, e.g. hybrid dbt build --env staging", EXIT_USAGE)
        elif item.startswith("--env="):
            env = item.removeprefix("--env=")
        else:
            rest.append(item)
    return env, rest


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
@handle_errors
def dbt(dbt_args: tuple[str, ...]) -> None:
    """Run dbt with the environment's warehouse connection (the DBT_* variables dbt/profiles.yml reads,
    derived in memory from the instance matrix's SUPABASE_DBT_URL_<ENV>, role dbt). Every argument is
    dbt's, except `--env E` (default: HYBRID_ENV, else local). The exit status is dbt's. Without
    arguments it runs `dbt debug`. Plain `dbt` in dbt/ works too after `set -a; . ./.env.local; set +a`
    (the local stack writes the DBT_* variables there).

    \b
    Examples:
      hybrid dbt build
      hybrid dbt run --select ar_aging --vars '{as_of_date: 2026-03-31}' --env staging
      hybrid dbt build --select fct_open_items_month_end+ --env=local
    """
    from dagster_project.dbt.env import dbt_env
    from dagster_project.dbt.manifest import DBT_PROJECT_DIR, dbt_executable

    env_name, args = split_env(dbt_args, os.environ.get("HYBRID_ENV", "local"))
    env = resolve_env(env_name)
    values = {"DBT_PROFILES_DIR": str(DBT_PROJECT_DIR), **dbt_env(env)}
    done = subprocess.run([dbt_executable(), *(args or ["debug"])], cwd=DBT_PROJECT_DIR,
                          env={**os.environ, **values}, check=False)
    sys.exit(done.returncode)
