"""`hybrid live`: the live path that keeps the marts in step with the replica (docs/marts.md#live-marts)."""

from __future__ import annotations

import click

from dagster_project.cli import common
from dagster_project.live.setup import install, target_dir
from dagster_project.live.status import live_status
from dagster_project.live.verify import verify
from dagster_project.live.worker import CompileFailed, NotInstalled, compile_catalog, run

STALE_AFTER_S = 60  # a change waiting longer: `status` exits 1 (the compose health check)


@click.group()
def live() -> None:
    """Keep the warehouse's dbt tables in step with the Odoo replica, change by change."""


@live.command("setup")
@common.env_option
@common.output_option
@common.handle_errors
def setup(env_name: str, output: str) -> None:
    """Record every change of the replica's source tables (row triggers, ENABLE ALWAYS), as the superuser.

    \b
    Example:
      hybrid live setup --env local
    """
    environment = common.resolve_env(env_name)
    installed = install(environment)
    if output == "json":
        common.emit_json({"env": environment.name, "triggers": installed})
        return
    click.echo(f"change record on {len(installed)} source tables; the worker: "
               + ("`hybrid stack up` runs it" if environment.name == "local" else f"hybrid live run --env {env_name}"))


@live.command("run")
@common.env_option
@click.option("--once", is_flag=True, help="Apply what is waiting, then stop.")
@click.option("--full", is_flag=True, help="Rebuild every table first (as the first batch of each day does).")
@common.handle_errors
@common.failing_with(common.EXIT_DATABASE, CompileFailed)
@common.failing_with(common.EXIT_CONFIG, NotInstalled)
def run_cmd(env_name: str, once: bool, full: bool) -> None:
    """Apply the recorded changes to the marts as they arrive, one transaction per batch (the dbt role).

    \b
    Examples:
      hybrid live run --env local          # until stopped (hybrid stack up runs it for local)
      hybrid live run --env local --once   # catch up and exit
    """
    environment = common.resolve_env(env_name)
    common.progress(f"compiling the dbt project for {environment.name}")
    catalog = compile_catalog(environment, target_dir(environment))
    common.progress(f"keeping {len(catalog.models)} tables live")
    run(environment.value("supabase", "dbt_url"), catalog, once=once, full=full, progress=common.progress)


@live.command("status")
@common.env_option
@common.output_option
@common.handle_errors
def status(env_name: str, output: str) -> None:
    """What is applied, what waits and for how long, the last batch; exit 1 when not set up or a change has
    waited more than a minute.

    \b
    Example:
      hybrid live status --env local --output json
    """
    found = live_status(common.resolve_env(env_name).value("supabase", "dbt_url"))
    if output == "json":
        common.emit_json(found)
    elif not found["installed"]:
        click.echo(f"not set up: hybrid live setup --env {env_name}")
    else:
        click.echo(f"applied change {found['applied_change']}, {found['pending']} waiting"
                   + (f" (oldest {found['oldest_pending_s']:.1f} s)" if found["pending"] else "")
                   + f"; triggers on {len(found['triggers'])} tables; last batch: {found['last_batch']}")
    if not found["installed"] or (found["pending"] and (found["oldest_pending_s"] or 0) > STALE_AFTER_S):
        raise SystemExit(common.EXIT_UNHEALTHY)


@live.command("verify")
@common.env_option
@common.output_option
@common.handle_errors
@common.failing_with(common.EXIT_DATABASE, CompileFailed)
def verify_cmd(env_name: str, output: str) -> None:
    """Compare every live table with what a full build of the same data holds, row for row.

    \b
    Example:
      hybrid live verify --env local
    """
    environment = common.resolve_env(env_name)
    catalog = compile_catalog(environment, target_dir(environment))
    found = verify(environment.value("supabase", "dbt_url"), catalog)
    different = [d for d in found if not d.equal]
    if output == "json":
        common.emit_json({"env": env_name, "equal": not different,
                          "tables": [{"model": d.model, "missing": d.missing, "extra": d.extra} for d in found]})
    else:
        for d in found:
            click.echo(f"{'=' if d.equal else '!'} {d.model}" + ("" if d.equal else
                                                                  f": {d.missing} missing, {d.extra} extra"))
    if different:
        raise SystemExit(common.EXIT_UNHEALTHY)
