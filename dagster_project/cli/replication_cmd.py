"""`hybrid replication setup|status|sync-schema|verify`: Odoo tables into the warehouse by logical replication."""

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
    """Heal the warehouse tables after Odoo's schema changed, then refresh the subscription (a stalled apply
    worker resumes): new tables and columns are added (a column with a default makes the table be copied
    again, online), dropped columns dropped, renamed and retyped columns renamed or cast and then proven by
    checksums (copied again if they differ), a renamed table renamed. A table dropped in Odoo or no longer
    configured is kept and reported with its DDL; a renamed one needs its line in config/replication.yaml
    changed. Exit status 1 while such a step is left to you.

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
            todo = change.config_edit or "; ".join(change.ddl) or "-"
            click.echo(f"manual   {change.table}: {change.detail}\n         {todo}")
        if not (report.applied or report.actions or report.manual):
            click.echo(f"{endpoints.env}: warehouse tables match Odoo's; nothing changed")
    if report.manual:
        sys.exit(EXIT_UNHEALTHY)


@replication.command()
@env_option
@config_option
@click.option("--table", "tables", multiple=True, metavar="SCHEMA.TABLE",
              help="Only this table (repeatable) [default: every table in config/replication.yaml].")
@click.option("--sample", type=click.IntRange(min=1), default=None, metavar="N",
              help="Compare N random key ranges per table and the newest one, instead of every range.")
@click.option("--range-rows", type=click.IntRange(min=100), default=10_000, show_default=True,
              help="About how many rows one key range holds.")
@click.option("--repair", is_flag=True, help="Copy each differing table again (online), then compare it again.")
@output_option
@handle_errors
@replication_errors
def verify(env_name: str, config_file: Path | None, tables: tuple[str, ...], sample: int | None, range_rows: int,
           repair: bool, output: str) -> None:
    """Prove the warehouse's replicas hold Odoo's rows: per table, ordered checksums over primary-key
    ranges on both sides, so a difference is named by its key range (`id 40001..50000: 9,998 rows in Odoo,
    9,997 in the warehouse`). Odoo may keep writing: a range that differs is compared again once the
    subscriber has caught up, and reported only if it still differs. Exit status 1 when a table differs.

    \b
    Example:
      hybrid replication verify --env local --table public.account_move_line --output json
      hybrid replication verify --env production --sample 8
    """
    from dagster_project.replication.verify import verify as run_verify

    endpoints, config = _context(env_name, config_file)
    try:
        chosen = [config.table(name) for name in tables] or None
    except KeyError as exc:
        raise click.BadParameter(f"{exc.args[0]} is not in config/replication.yaml", param_hint="--table") from None
    report = run_verify(endpoints, config, chosen, sample=sample, repair=repair, range_rows=range_rows,
                        progress=progress)
    if output == "json":
        emit_json(report.as_dict())
    else:
        _print_verify(report)
    if not report.equal:
        sys.exit(EXIT_UNHEALTHY)


def _print_verify(report: Any) -> None:
    for table in report.tables:
        if table.problem:
            click.echo(f"PROBLEM  {table.table}: {table.problem}")
            continue
        mark = "equal   " if table.equal else "DIFFERS "
        click.echo(f"{mark} {table.table}: {table.source_rows:,} rows in {table.ranges_compared} of "
                   f"{table.ranges_total} ranges")
        for diff in table.differences:
            click.echo(f"         {diff.range}: {diff.source_rows:,} rows in Odoo, {diff.replica_rows:,} in the "
                       "warehouse" + (" (same count, different values)" if diff.source_rows == diff.replica_rows
                                      else ""))
    for action in report.repaired:
        click.echo(f"changed  {action}")
    differing = sum(not t.equal for t in report.tables)
    click.echo(f"{report.env}: {len(report.tables) - differing} of {len(report.tables)} tables equal"
               + (" (sampled ranges)" if report.sampled else ""))
