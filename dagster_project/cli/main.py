"""`hybrid`: one CLI for the stack, Odoo, health and (later) replication and dashboards as code."""

from __future__ import annotations

from pathlib import Path

import click

from dagster_project import paths
from dagster_project.cli.common import EXIT_STATUS_HELP
from dagster_project.cli.dashboards_cmd import COMMANDS as DASHBOARD_COMMANDS
from dagster_project.cli.dbt_cmd import dbt
from dagster_project.cli.health_cmd import health
from dagster_project.cli.live_cmd import live
from dagster_project.cli.mcp_cmd import approve, mcp
from dagster_project.cli.ocr_cmd import ocr
from dagster_project.cli.odoo_cmd import odoo
from dagster_project.cli.replication_cmd import replication
from dagster_project.cli.report_cmd import report
from dagster_project.cli.stack_cmd import stack
from dagster_project.cli.warehouse_cmd import warehouse
from dagster_project.cli.webhooks_cmd import webhooks


def _check_project_dir(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """The `hybrid` program applies --project-dir before loading (launch.py); here it is only confirmed."""
    if value is not None and value.resolve() != paths.PROJECT_ROOT:
        ctx.fail(f"--project-dir {value} was given after the commands loaded (project: {paths.PROJECT_ROOT}); "
                 "run it through the `hybrid` program, or set HYBRID_HOME")
    return value


@click.group(epilog=EXIT_STATUS_HELP)
@click.version_option(package_name="hybrid-platform")
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), callback=_check_project_dir,
              expose_value=False, is_eager=True,
              help="The project (checkout) to work on. Default: the nearest directory at or above the current "
                   "one with config/instance-matrix.yaml, superset_assets/ and dbt/dbt_project.yml.")
def cli() -> None:
    """Odoo -> Supabase warehouse -> Superset as one Dagster asset graph.

    Every command works on the project in the current directory (or --project-dir), as dbt and Terraform
    do: a second clone (a feature branch) reads and writes only its own files.

    \b
    Examples:
      hybrid stack up                      # local Postgres 17 + Dagster UI on :3000
      hybrid odoo seed --scale 1           # a generated Odoo 19 finance database
      hybrid health --env local --output json
      hybrid --project-dir ../feature-clone plan --env local
    """


cli.add_command(stack)
cli.add_command(odoo)
cli.add_command(health)
cli.add_command(replication)
cli.add_command(ocr)
cli.add_command(live)
cli.add_command(mcp)
cli.add_command(approve)
cli.add_command(webhooks)
cli.add_command(report)
cli.add_command(dbt)
cli.add_command(warehouse)
for command in DASHBOARD_COMMANDS:
    cli.add_command(command)
