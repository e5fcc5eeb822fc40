"""Start-up step of a Dagster instance, before its webserver and daemon: refuse a pooled storage connection,
bring the storage schema up to date, and set the concurrency pool limits (which dagster.yaml cannot hold).

Run by the compose `dagster-prepare` service and by `hybrid stack up`:
    python -m dagster_project.deploy.prepare [--dagster-home DIR]
Exit status 0 ready, 3 configuration error (the message names the setting and the fix), 5 database error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import click
import yaml
from dagster import DagsterInstance
from dagster_postgres.utils import DagsterPostgresException
from sqlalchemy.exc import SQLAlchemyError

from dagster_project.deploy.pools import POOL_LIMITS, apply_pool_limits
from dagster_project.deploy.storage import StorageConnectionError, check_instance_storage

EXIT_CONFIG, EXIT_DATABASE = 3, 5


def prepare(dagster_home: Path, environ: Mapping[str, str] | None = None,
            progress: Callable[[str], None] = print) -> dict[str, int]:
    """Check, migrate and configure the instance in `dagster_home`; returns the pool limits now in force."""
    config_file = dagster_home / "dagster.yaml"
    try:
        document = yaml.safe_load(config_file.read_text()) or {}
    except FileNotFoundError as exc:
        raise StorageConnectionError(f"{config_file} does not exist; fix: set DAGSTER_HOME to the directory "
                                     "holding the instance's dagster.yaml") from exc
    check_instance_storage(document, os.environ if environ is None else environ, str(config_file))
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        instance.upgrade(print_fn=lambda _: None)
        limits = apply_pool_limits(instance, POOL_LIMITS)
    progress("Dagster instance ready; pool limits: " + ", ".join(f"{k}={v}" for k, v in sorted(limits.items())))
    return limits


@click.command(epilog="Example: DAGSTER_HOME=/opt/dagster/dagster_home python -m dagster_project.deploy.prepare")
@click.option("--dagster-home", type=click.Path(file_okay=False, path_type=Path), envvar="DAGSTER_HOME",
              help="The directory holding dagster.yaml (default: $DAGSTER_HOME).")
def main(dagster_home: Path | None) -> None:
    """Check, migrate and configure a Dagster instance before its webserver and daemon start."""
    if dagster_home is None:
        click.echo("error: no instance directory: set DAGSTER_HOME or pass --dagster-home", err=True)
        sys.exit(EXIT_CONFIG)
    try:
        prepare(dagster_home, progress=lambda message: click.echo(message, err=True))
    except StorageConnectionError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CONFIG)
    except (SQLAlchemyError, DagsterPostgresException) as exc:
        cause = exc.__cause__ or exc  # dagster-postgres wraps the driver's error after its retries
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        click.echo(f"error: the Dagster instance storage refused the connection: {first}", err=True)
        sys.exit(EXIT_DATABASE)


if __name__ == "__main__":
    main()
