"""`hybrid health --env E`: the seed's `make instance-health-<env>`."""

from __future__ import annotations

import sys

import click

from dagster_project.cli.common import (
    EXIT_UNHEALTHY,
    emit_json,
    env_option,
    handle_errors,
    output_option,
    resolve_env,
)
from dagster_project.health.checks import check_environment, healthy


@click.command()
@env_option
@output_option
@click.option("--timeout", default=5.0, show_default=True, help="Seconds per check.")
@handle_errors
def health(env_name: str, output: str, timeout: float) -> None:
    """Check Odoo /web/login, the Odoo database, warehouse SELECT 1, Superset /health and the Superset
    metadata database. Exit status 0 only when nothing failed (a skipped check is not a failure).

    \b
    Example:
      hybrid health --env staging --output json
    """
    env = resolve_env(env_name)
    results = check_environment(env, timeout=timeout)
    ok = healthy(results)
    if output == "json":
        emit_json({"env": env.name, "healthy": ok, "checks": [r.as_dict() for r in results]})
    else:
        for r in results:
            click.echo(f"{r.status.upper():<8} {r.service:<9} {r.check:<18} {r.target or '-'}  {r.detail}")
        click.echo(f"{env.name}: {'healthy' if ok else 'UNHEALTHY'}")
    if not ok:
        sys.exit(EXIT_UNHEALTHY)
