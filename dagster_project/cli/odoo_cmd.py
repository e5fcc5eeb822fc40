"""`hybrid odoo seed|simulate`: the generated Odoo 19 database of the local environment."""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
from pathlib import Path

import click

from dagster_project.cli.common import (
    EXIT_UNHEALTHY,
    emit_json,
    env_option,
    handle_errors,
    output_option,
    progress,
    resolve_env,
)
from dagster_project.config import database


@click.group()
def odoo() -> None:
    """The Odoo 19 database: a faithful generated one locally (Odoo itself does not run here).

    \b
    Example:
      hybrid odoo seed --scale 1 --seed 42 && hybrid odoo simulate --rate 5 --duration 60
    """


def _local_odoo(env_name: str) -> tuple[str, str]:
    """The local Odoo's connection string and where it was read (named when the connection fails)."""
    env = resolve_env(env_name)
    if env.name != "local":
        raise click.UsageError(
            f"refusing to write generated data into the '{env.name}' Odoo: seed and simulate only run "
            "against the local environment (--env local)"
        )
    return env.value("odoo", "db_url"), env.origin("odoo", "db_url")


@odoo.command()
@env_option
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 1000),
              help="1 is about 50,000 move lines; 20 about 1,000,000.")
@click.option("--seed", "seed_value", default=42, show_default=True, type=int,
              help="Random seed: the same seed (and --today) gives byte-identical tables.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Anchor date for due dates and aging buckets [default: today].")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds move lines.")
@output_option
@handle_errors
def seed(env_name: str, scale: int, seed_value: int, today: dt.datetime | None, if_empty: bool,
         output: str) -> None:
    """Drop and recreate Odoo's finance tables in odoo_local and fill them by Odoo's business rules.

    \b
    Example:
      hybrid odoo seed --scale 20 --seed 7 --today 2026-06-30
    """
    from dagster_project.odoo.generator.seed import seed_database

    dsn, origin = _local_odoo(env_name)
    held = _move_lines(dsn, origin)  # also proves the server answers before anything is dropped
    if if_empty and held:
        progress(f"odoo_local already holds {held:,} move lines; nothing to do (--if-empty)")
        return
    report = seed_database(dsn, scale=scale, seed=seed_value,
                           today=(today.date() if today else dt.date.today()), progress=progress)
    if output == "json":
        emit_json(report.as_dict())
    else:
        click.echo(report.summary())


@odoo.command()
@env_option
@click.option("--rate", "events_per_second", default=2.0, show_default=True,
              type=click.FloatRange(min=0, min_open=True),
              help="Business events per second.")
@click.option("--duration", default=60.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to run (0 runs until interrupted).")
@click.option("--seed", "seed_value", default=None, type=int, help="Random seed for the event stream.")
@click.option("--weight", "weights", multiple=True, metavar="KIND=W",
              help="Relative weight of an event kind (repeatable): create_draft, edit_draft, post, payment, "
                   "cancel, delete_draft, rebuild_tax_links (a TRUNCATE and refill; 0 unless asked).")
@output_option
@handle_errors
def simulate(env_name: str, events_per_second: float, duration: float, seed_value: int | None, weights: tuple[str, ...],
             output: str) -> None:
    """Keep producing business activity, one real transaction per event: new invoices and bills,
    edits and postings of drafts, payments, cancellations, deletion of drafts. A lost connection (a
    database restart) is re-opened and the activity goes on. Ctrl-C stops cleanly.

    \b
    Example:
      hybrid odoo simulate --rate 10 --duration 300 --weight rebuild_tax_links=0.1
    """
    from dagster_project.odoo.generator.simulate import simulate as run_simulation

    dsn, _ = _local_odoo(env_name)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        report = run_simulation(dsn, events_per_second=events_per_second, duration=duration or float("inf"),
                                seed=seed_value, progress=progress, stop=stop, weights=_parse_weights(weights))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--weight") from exc
    if output == "json":
        emit_json(report.as_dict())
    else:
        click.echo(report.summary())


def _parse_weights(pairs: tuple[str, ...]) -> dict[str, float]:
    weights = {}
    for pair in pairs:
        kind, _, value = pair.partition("=")
        try:
            weights[kind.strip()] = float(value)
        except ValueError:
            raise click.BadParameter(f"expected KIND=WEIGHT, got {pair!r}", param_hint="--weight") from None
    return weights


def _move_lines(dsn: str, origin: str) -> int:
    with database.connect(dsn, source=origin) as conn:
        exists = conn.execute("SELECT to_regclass('public.account_move_line') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return 0
        row = conn.execute("SELECT count(*) FROM account_move_line").fetchone()
        return int(row[0]) if row else 0


snapshot_file_option = click.option(
    "--file", "snapshot_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Snapshot JSON file [default: config/odoo-schema.<env>.json].")


@odoo.command("schema-snapshot")
@env_option
@snapshot_file_option
@handle_errors
def schema_snapshot(env_name: str, snapshot_file: Path | None) -> None:
    """Record the Odoo database's tables, columns, types and primary keys (schema public) in a JSON file,
    to compare against later with `schema-diff` (e.g. before and after an Odoo module upgrade).

    \b
    Example:
      hybrid odoo schema-snapshot --env production --file odoo-schema.before.json
    """
    from dagster_project.replication import snapshot

    env = resolve_env(env_name)
    path = snapshot_file or snapshot.default_path(env.name)
    taken = snapshot.take(env.value("odoo", "db_url"))
    snapshot.write(taken, path)
    progress(f"recorded {len(taken['tables'])} tables of {taken['database']} in {path}")


@odoo.command("schema-diff")
@env_option
@snapshot_file_option
@output_option
@handle_errors
def schema_diff(env_name: str, snapshot_file: Path | None, output: str) -> None:
    """Compare the Odoo database's schema now with a snapshot: added and removed tables, added, removed and
    changed columns. Exit status 1 when they differ (the replica needs `hybrid replication sync-schema`).

    \b
    Example:
      hybrid odoo schema-diff --env production --output json
    """
    from dagster_project.replication import snapshot

    env = resolve_env(env_name)
    path = snapshot_file or snapshot.default_path(env.name)
    try:
        before = snapshot.read(path)
    except (FileNotFoundError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    result = snapshot.diff(before, snapshot.take(env.value("odoo", "db_url"), tuple(before["schemas"])))
    if output == "json":
        emit_json({"env": env.name, "snapshot": str(path), **result.as_dict()})
    else:
        for line in result.lines():
            click.echo(line)
        click.echo(f"{env.name}: {'schema differs from' if result.different else 'schema matches'} {path}")
    if result.different:
        sys.exit(EXIT_UNHEALTHY)
