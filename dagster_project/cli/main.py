"""`hybrid`: one CLI for the stack, Odoo, health and (later) replication and dashboards as code."""

from __future__ import annotations

import click

from dagster_project.cli.common import EXIT_STATUS_HELP
from dagster_project.cli.dashboards_cmd import COMMANDS as DASHBOARD_COMMANDS
from dagster_project.cli.health_cmd import health
from dagster_project.cli.ocr_cmd import ocr
from dagster_project.cli.odoo_cmd import odoo
from dagster_project.cli.replication_cmd import replication
from dagster_project.cli.stack_cmd import stack


@click.group(epilog=EXIT_STATUS_HELP)
@click.version_option(package_name="hybrid-platform")
def cli() -> None:
    """Odoo -> Supabase warehouse -> Superset as one Dagster asset graph.

    \b
    Examples:
      hybrid stack up                      # local Postgres 17 + Dagster UI on :3000
      hybrid odoo seed --scale 1           # a generated Odoo 19 finance database
      hybrid health --env local --output json
    """


cli.add_command(stack)
cli.add_command(odoo)
cli.add_command(health)
cli.add_command(replication)
cli.add_command(ocr)
for command in DASHBOARD_COMMANDS:
    cli.add_command(command)
