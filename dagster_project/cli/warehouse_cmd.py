"""`hybrid warehouse drift|migrate|dbml`: the warehouse's schemas as declared code (docs/warehouse-schema.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from dagster_project.cli.common import (
    EXIT_APPROVAL,
    EXIT_CONFIG,
    EXIT_UNHEALTHY,
    emit_json,
    env_option,
    failing_with,
    handle_errors,
    output_option,
    progress,
    resolve_env,
)
from dagster_project.config.gate import ApprovalRequired
from dagster_project.dbt.manifest import ManifestMissing
from dagster_project.warehouse.declared import DeclarationError
from dagster_project.warehouse.migrate import MigrationRefused
from dagster_project.warehouse.statements import ManualChange

EXIT_HELP = """Exit status: 0 no drift / migrated; 1 drift found (drift, --check), or the migration was refused
(destructive statements without --allow-destructive, a change to make by hand, the schema moved); 3 a DBML file
or the dbt manifest cannot be read, or a missing variable; 5 database error; 7 protected environment without
--approve."""


def _errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """A DBML or manifest error is configuration, a refused migration a finding, as in the exit statuses."""
    return handle_errors(failing_with(EXIT_CONFIG, DeclarationError, ManifestMissing)(
        failing_with(EXIT_APPROVAL, ApprovalRequired)(failing_with(EXIT_UNHEALTHY, MigrationRefused, ManualChange)(
            func))))


@click.group()
def warehouse() -> None:
    """The warehouse's schemas against their declarations: DBML under dbml/supabase/ for the platform's own
    (ops, ocr), the dbt model contracts for the marts."""


@warehouse.command(epilog=EXIT_HELP)
@env_option
@click.option("--schema", "schemas", multiple=True, metavar="NAME",
              help="Only this schema (repeatable): ops, ocr, warehouse. Default: every declared one.")
@output_option
@_errors
def drift(env_name: str, schemas: tuple[str, ...], output: str) -> None:
    """Compare the live schemas with their declarations: missing, extra and changed tables, columns, types,
    nullability, keys, indexes and row-level-security policies. Exits 1 on drift.

    \b
    Examples:
      hybrid warehouse drift --env staging
      hybrid warehouse drift --env local --schema ocr
      hybrid warehouse drift --env production --output json | jq '.changes[] | .name'
    """
    from dagster_project.warehouse.drift import schema_drift

    report = schema_drift(resolve_env(env_name), schemas)
    emit_json(report.to_json()) if output == "json" else click.echo(report.text())
    raise SystemExit(EXIT_UNHEALTHY if report.changes else 0)


@warehouse.command(epilog=EXIT_HELP)
@env_option
@click.option("--dry-run", is_flag=True, help="Show the statements; change nothing.")
@click.option("--allow-destructive", is_flag=True,
              help="Also run the drops and type changes (marked '!' in the plan); without it they stop the run.")
@click.option("--approve", is_flag=True, help="Required for a protected environment (production), as for dashboards.")
@output_option
@_errors
def migrate(env_name: str, dry_run: bool, allow_destructive: bool, approve: bool, output: str) -> None:
    """Bring the platform's own schemas (ops, ocr) to dbml/supabase/: the statements are shown first, then run
    by each schema's owner and recorded in ops.schema_migrations; any failure rolls every statement back.
    The marts are dbt's: `hybrid dbt build` migrates them.

    \b
    Examples:
      hybrid warehouse migrate --env local --dry-run
      hybrid warehouse migrate --env staging --allow-destructive
      hybrid warehouse migrate --env production --approve
    """
    from dagster_project.warehouse.migrate import migrate as run_migrate
    from dagster_project.warehouse.migrate import plan_only

    env = resolve_env(env_name)
    plan = plan_only(env)
    if output == "text":
        click.echo(plan.text())
    if dry_run or not plan.statements:
        if output == "json":
            emit_json({**plan.to_json(), "applied": False, "migration_id": None})
        return
    result = run_migrate(env, plan, allow_destructive=allow_destructive, approve=approve, progress=progress)
    if output == "json":
        emit_json(result.to_json())
    else:
        click.echo(f"Applied {len(plan.statements)} statement(s) to {env.name}: ops.schema_migrations id "
                   f"{result.migration_id}")


@warehouse.command(epilog=EXIT_HELP)
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when a generated file is out of date.")
@_errors
def dbml(check: bool) -> None:
    """Regenerate the DBML files of the docs: dbml/warehouse/marts.dbml (the marts' contracts) and
    dbml/odoo/odoo19.dbml (the Odoo tables, read-only). dbml/supabase/ is written by hand: it is the declaration.

    \b
    Example:
      hybrid warehouse dbml --check
    """
    from dagster_project.warehouse.generated import generated_files, write_generated

    if check:
        stale = [str(p) for p, text in generated_files().items() if not p.exists() or p.read_text() != text]
        for path in stale:
            click.echo(f"out of date: {path}; run `hybrid warehouse dbml`")
        raise SystemExit(EXIT_UNHEALTHY if stale else 0)
    for path in write_generated():
        click.echo(f"wrote {path}")
