"""`hybrid compile|validate|plan|apply|drift-plan|promote|export`: dashboards as code (docs/dashboards-as-code.md)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dagster_project.cli.common import (
    EXIT_APPROVAL,
    EXIT_CONFIG,
    EXIT_SUPERSET,
    EXIT_UNHEALTHY,
    emit_json,
    env_option,
    fail,
    handle_errors,
    output_option,
    progress,
    resolve_env,
)
from dagster_project.config.gate import ApprovalRequired
from dagster_project.superset import control
from dagster_project.superset.bundle import compile_bundle, default_out_dir
from dagster_project.superset.client import SupersetError
from dagster_project.superset.export import export_dashboard
from dagster_project.superset.promote import promote as run_promote
from dagster_project.superset.templates import AssetError, assets_dir, load_sources
from dagster_project.superset.validate import ValidationFailed

DASHBOARD_EXIT_HELP = """Exit status: 0 success; 1 drift found or the code is invalid (validate); 2 bad command
line; 3 configuration error (template, values, matrix, missing variable); 5 database error; 6 Superset API
error; 7 protected environment without --approve."""

assets_option = click.option("--assets", type=click.Path(file_okay=False, path_type=Path), default=None,
                             help="The superset_assets directory (default: $HYBRID_SUPERSET_ASSETS, else the "
                                  "project's superset_assets/; the project is the nearest directory at or above "
                                  "the current one, or `hybrid --project-dir`).")


def dashboard_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Template, validation, approval and Superset failures: one message naming the cause and the fix."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (AssetError, ValidationFailed) as exc:
            fail(str(exc), EXIT_CONFIG)
        except ApprovalRequired as exc:
            fail(str(exc), EXIT_APPROVAL)
        except SupersetError as exc:
            fail(f"Superset: {exc}", EXIT_SUPERSET)

    return handle_errors(wrapper)


@click.command("compile", epilog=DASHBOARD_EXIT_HELP)
@env_option
@assets_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output directory (default: <state dir>/superset/bundles).")
@output_option
@dashboard_errors
def compile_cmd(env_name: str, assets: Path | None, out: Path | None, output: str) -> None:
    """Render the templates into a deterministic import bundle (a directory and its ZIP), validated.

    \b
    Example:
      hybrid compile --env staging --out build/
    """
    env = resolve_env(env_name)
    bundle = control.build(env, assets=assets)
    archive = bundle.write(out or default_out_dir())
    roles = len(bundle.security.roles) if bundle.security else 0
    summary = {"env": env.name, "zip": str(archive), "directory": str(archive.with_suffix("")),
               "sha256": bundle.digest(), "objects": {k: len(bundle.of(k)) for k in
                                                      ("database", "dataset", "chart", "dashboard")},
               "security": {"roles": roles, "rls": roles}}
    if output == "json":
        emit_json(summary)
        return
    security = f" + {roles} roles and {roles} RLS filters, applied through the API" if roles else ""
    click.echo(f"wrote {archive} ({len(bundle.objects)} objects{security}; sha256 {bundle.digest()[:12]})")


@click.command("validate", epilog=DASHBOARD_EXIT_HELP)
@env_option
@assets_option
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="dbt manifest (default: $HYBRID_DBT_MANIFEST, else the project's dbt/target/manifest.json, "
                   "parsed first when the clone has none).")
@output_option
@dashboard_errors
def validate_cmd(env_name: str, assets: Path | None, manifest: Path | None, output: str) -> None:
    """Check the templates locally: import schema, references, and columns against the dbt manifest.

    Needs no Superset and no secret (the database URI is not resolved).

    \b
    Example:
      hybrid validate --env local --output json
    """
    env = resolve_env(env_name)
    try:
        bundle = compile_bundle(load_sources(env.name, assets), resolve_uri=False)
    except AssetError as exc:
        problems = [str(exc)]
    else:
        problems = [str(p) for p in control.check(bundle, manifest)]
    if output == "json":
        emit_json({"env": env.name, "valid": not problems, "problems": problems})
    else:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"{env.name}: {'valid' if not problems else f'{len(problems)} problem(s)'}")
    if problems:
        sys.exit(EXIT_UNHEALTHY)


@click.command("plan", epilog=DASHBOARD_EXIT_HELP)
@env_option
@assets_option
@output_option
@dashboard_errors
def plan_cmd(env_name: str, assets: Path | None, output: str) -> None:
    """Diff the compiled bundle with the live Superset: + create, ~ update (field paths), - delete.

    \b
    Example:
      hybrid plan --env staging
    """
    env = resolve_env(env_name)
    progress(f"planning {env.name} against {env.value('superset', 'url')}")
    plan = control.plan(env, control.build(env, assets=assets))
    emit_json(plan.to_json()) if output == "json" else click.echo(plan.text())


@click.command("apply", epilog=DASHBOARD_EXIT_HELP)
@env_option
@assets_option
@click.option("--prune", is_flag=True, help="Also delete managed objects that are no longer in code.")
@click.option("--approve", is_flag=True, help="Required for a protected environment (production).")
@output_option
@dashboard_errors
def apply_cmd(env_name: str, assets: Path | None, prune: bool, approve: bool, output: str) -> None:
    """Import the bundle atomically, refresh its datasets, warm its charts and record the result in ops.

    \b
    Examples:
      hybrid apply --env local
      hybrid apply --env production --approve --prune
    """
    env = resolve_env(env_name)
    result = control.apply(env, control.build(env, assets=assets), prune=prune, approve=approve, progress=progress)
    if output == "json":
        emit_json(result.to_json())
        return
    click.echo(result.plan.text())
    for failure in result.warnings:
        click.echo(f"warning: {failure}", err=True)
    click.echo(result.summary())


@click.command("drift-plan", epilog=DASHBOARD_EXIT_HELP)
@env_option
@assets_option
@output_option
@dashboard_errors
def drift_cmd(env_name: str, assets: Path | None, output: str) -> None:
    """Report changes made in Superset outside the code since the last apply; exit 1 on drift.

    \b
    Example:
      hybrid drift-plan --env production --output json
    """
    env = resolve_env(env_name)
    report = control.drift(env, assets)
    emit_json(report.to_json()) if output == "json" else click.echo(report.text())
    if report.changes:
        sys.exit(EXIT_UNHEALTHY)


@click.command("promote", epilog=DASHBOARD_EXIT_HELP)
@click.option("--chain", default="local,staging,production", show_default=True,
              help="Environments in order, comma-separated.")
@click.option("--prune", is_flag=True, help="Delete managed orphans in each environment.")
@click.option("--approve", is_flag=True, help="Approve applying to protected environments in the chain.")
@output_option
@dashboard_errors
def promote_cmd(chain: str, prune: bool, approve: bool, output: str) -> None:
    """Compile, validate, drift-plan, plan and apply per environment; stop at the first with drift.

    \b
    Example:
      hybrid promote --chain local,staging,production --approve
    """
    names = [name.strip() for name in chain.split(",") if name.strip()]
    result = run_promote(names, approve=approve, prune=prune, progress=progress)
    if output == "json":
        emit_json(result.to_json())
    else:
        for step in result.steps:
            click.echo(f"{step.env}: {step.status}")
    if result.stopped_at:
        sys.exit(EXIT_UNHEALTHY)


@click.command("export", epilog=DASHBOARD_EXIT_HELP)
@env_option
@click.option("--dashboard", "dashboard", required=True, help="Dashboard id, slug or title to adopt.")
@assets_option
@click.option("--overwrite", is_flag=True, help="Replace templates that already exist.")
@output_option
@dashboard_errors
def export_cmd(env_name: str, dashboard: str, assets: Path | None, overwrite: bool, output: str) -> None:
    """Pull a dashboard made in the Superset UI (with its charts and datasets) back into templates.

    \b
    Example:
      hybrid export --env local --dashboard my-new-dashboard && hybrid validate --env local
    """
    env = resolve_env(env_name)
    with control.client(env) as api:
        adoption = export_dashboard(api, dashboard, (assets or assets_dir()).resolve(), env.name, overwrite)
    if output == "json":
        emit_json(adoption.to_json())
        return
    for path in adoption.written:
        click.echo(f"wrote {path}")
    for path in adoption.kept:
        click.echo(f"kept {path} (exists; --overwrite replaces it)")
    for warning in adoption.warnings:
        click.echo(f"warning: {warning}", err=True)


COMMANDS = (compile_cmd, validate_cmd, plan_cmd, apply_cmd, drift_cmd, promote_cmd, export_cmd)
