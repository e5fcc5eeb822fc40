"""`hybrid stack up|down|status`: the local stack (`make up` / `make down`)."""

from __future__ import annotations

import sys

import click

from dagster_project.cli.common import EXIT_UNHEALTHY, emit_json, handle_errors, output_option, progress
from dagster_project.stack.local import LocalStack


@click.group()
def stack() -> None:
    """The local stack: Postgres 17 on 127.0.0.1:54322 (Odoo, warehouse, Superset metadata and Dagster
    databases), Superset on :8088 and the Dagster UI on :3000. State lives in .state/ (HYBRID_STATE_DIR)
    and survives `down`; Superset's virtual environment lives in ~/.cache/hybrid (HYBRID_SUPERSET_VENV).

    \b
    Example:
      hybrid stack up && hybrid stack status --output json
    """


@stack.command()
@click.option("--no-dagster", is_flag=True, help="Do not start the Dagster webserver and daemon.")
@click.option("--no-superset", is_flag=True, help="Do not start Superset (nor install it).")
@handle_errors
def up(no_dagster: bool, no_superset: bool) -> None:
    """Start the stack (idempotent: running it twice changes nothing).

    Initialises the cluster on first use, creates the roles, databases and schemas, writes .env.local,
    starts Superset (installing it into its own environment on first use, about 800 MB) with the
    warehouse registered as its database `warehouse`, then the Dagster webserver and daemon.

    \b
    Example:
      hybrid stack up --no-superset                 # Postgres and Dagster
      hybrid stack up --no-superset --no-dagster    # Postgres only
    """
    LocalStack().up(with_dagster=not no_dagster, with_superset=not no_superset, progress=progress)


@stack.command()
@handle_errors
def down() -> None:
    """Stop every service; data stays in the state directory.

    \b
    Example:
      hybrid stack down && hybrid stack up   # the seeded data is still there
    """
    LocalStack().down(progress=progress)


@stack.command()
@output_option
@handle_errors
def status(output: str) -> None:
    """Each service with its state, URL and DSN (passwords masked). Exit 1 when Postgres is not running.

    \b
    Example:
      hybrid stack status --output json
    """
    statuses = LocalStack().status()
    if output == "json":
        emit_json({"services": [s.as_dict() for s in statuses]})
    else:
        for s in statuses:
            click.echo(f"{s.name:<18} {s.state:<14} {s.url or '-':<32} {s.dsn or '-'}")
    if statuses[0].state != "running":
        sys.exit(EXIT_UNHEALTHY)
