"""`hybrid replication setup|status|sync-schema`: Odoo tables into the warehouse by logical replication."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from dagster_project.cli.common import (
    EXIT_DATABASE,
    EXIT_UNHEALTHY,
    emit_json,
    env_option,
    failing_with,
    handle_errors,
    output_option,
    progress,
    resolve_env,
)
from dagster_project.replication.config import Endpoints, ReplicationConfig, ReplicationError, load_config

config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Tables to replicate [default: config/replication.yaml, or HYBRID_REPLICATION_CONFIG].")


# A database not ready for replication: the message names it and the fix.
replication_errors = failing_with(EXIT_DATABASE, ReplicationError)


def _context(env_name: str, config_file: Path | None) -> tuple[Endpoints, ReplicationConfig]:
    return Endpoints.from_environment(resolve_env(env_name)), load_config(config_file)


@click.group()
def replication() -> None:
    """Logical replication of Odoo's tables into the warehouse (same names: Odoo's public.account_move lands
    in the warehouse's public.account_move). See docs/replication.md.

    \b
    Example:
      hybrid replication setup --env local && hybrid replication status --env local
    """


@replication.command()
@env_option
@config_option
@output_option
@handle_errors
@replication_errors
def setup(env_name: str, config_file: Path | None, output: str) -> None:
    """Provision replication, idempotently: check the Odoo server (wal_level, privileges, primary keys),
    create or update the publication, create the warehouse tables from Odoo's catalog, the slot and the
    subscription, wait for the initial copy, and lock the replicas away from Supabase's API roles.

    Running it again changes nothing (and says so); it also heals a half-finished setup, a disabled
    subscription or a lost slot.

    \b
    Example:
      hybrid replication setup --env staging --output json
    """
    from dagster_project.replication.setup import setup as run_setup

    endpoints, config = _context(env_name, config_file)
    report = run_setup(endpoints, config, progress)
    if output == "json":
        emit_json({"env": endpoints.env, **report.as_dict()})
        return
    for action in report.actions:
        click.echo(f"changed  {action}")
    for warning in report.warnings:
        click.echo(f"manual   {warning}")
    if not report.changed:
        click.echo(f"{endpoints.env}: replication already set up; nothing changed")


@replication.command()
@env_option
@config_option
@output_option
@handle_errors
@replication_errors
def status(env_name: str, config_file: Path | None, output: str) -> None:
    """Per-table sync state, lag (bytes and seconds), retained WAL of the slot, apply and sync error
    counts, and whether the subscription is enabled. Exit status 1 when anything is unhealthy.

    \b
    Example:
      hybrid replication status --env production --output json
    """
    from dagster_project.replication.status import read_status

    endpoints, config = _context(env_name, config_file)
    result = read_status(endpoints, config)
    if output == "json":
        emit_json(result.as_dict())
    else:
        _print_status(result)
    if not result.healthy:
        sys.exit(EXIT_UNHEALTHY)


def _print_status(result: Any) -> None:
    click.echo(f"subscription {result.subscription}: {'enabled' if result.enabled else 'DISABLED'}"
               f"{'' if result.exists else ' (MISSING)'}, apply worker "
               f"{result.worker_pid or 'not running'}")
    click.echo(f"slot: {'active' if result.slot_active else 'inactive'}"
               f"{'' if result.slot_exists else ' (MISSING)'}, lag {result.lag_bytes} bytes / "
               f"{result.lag_seconds if result.lag_seconds is None else round(result.lag_seconds, 2)} s, "
               f"retained WAL {result.retained_wal_bytes} bytes")
    click.echo(f"errors: apply {result.apply_error_count}, sync {result.sync_error_count}")
    for table, state in result.tables.items():
        click.echo(f"  {state:<15} {table}")
    for problem in result.problems:
        click.echo(f"PROBLEM  {problem}")
    click.echo(f"{result.env}: {'healthy' if result.healthy else 'UNHEALTHY'}")


@replication.command("sync-schema")
@env_option
@config_option
@output_option
@handle_errors
@replication_errors
def sync_schema(env_name: str, config_file: Path | None, output: str) -> None:
    """Bring the warehouse tables in step with Odoo's: new columns and newly configured tables are added
    and the subscription refreshed (a stalled apply worker resumes); dropped, renamed or retyped columns
    are reported with the DDL to run by hand, never applied. Exit status 1 while such changes remain.

    \b
    Example:
      hybrid replication sync-schema --env local --output json
    """
    from dagster_project.replication.schema_sync import sync_schema as run_sync

    endpoints, config = _context(env_name, config_file)
    report = run_sync(endpoints, config, progress)
    if output == "json":
        emit_json({"env": endpoints.env, **report.as_dict()})
    else:
        for change in report.applied:
            click.echo(f"applied  {change.summary}: {'; '.join(change.ddl)}")
        for action in report.actions:
            click.echo(f"changed  {action}")
        for change in report.manual:
            click.echo(f"manual   {change.table}: {change.detail}\n         {'; '.join(change.ddl) or '-'}")
        if not (report.applied or report.actions or report.manual):
            click.echo(f"{endpoints.env}: warehouse tables match Odoo's; nothing changed")
    if report.manual:
        sys.exit(EXIT_UNHEALTHY)
