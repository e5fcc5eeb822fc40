"""`hybrid report monthly`: the monthly financial report from the terminal, the same one the Dagster asset builds."""

from __future__ import annotations

import click

from dagster_project.cli.common import (
    EXIT_CONFIG,
    EXIT_USAGE,
    emit_json,
    env_option,
    failing_with,
    handle_errors,
    output_option,
    resolve_env,
)
from dagster_project.cli.common import progress as show_progress
from dagster_project.config import database
from dagster_project.config.mattermost import NotificationFailed
from dagster_project.reports.period import MonthError
from dagster_project.reports.scope import ScopeError


@click.group()
def report() -> None:
    """Reports built from the warehouse marts (docs/reports.md)."""


@report.command()
@click.option("--month", required=True, metavar="YYYY-MM", help="The month to report; it must be over.")
@click.option("--company", metavar="NAME", help="One company (its name or id); default: the consolidated report.")
@click.option("--post", is_flag=True, help="Also post it to the finance channel, as the schedule does.")
@env_option
@output_option
@handle_errors
@failing_with(EXIT_USAGE, MonthError, ScopeError)
@failing_with(EXIT_CONFIG, NotificationFailed)
def monthly(month: str, company: str | None, post: bool, env_name: str, output: str) -> None:
    """Build the month's financial report (PDF, HTML and JSON) from the environment's marts, store it and record
    it in ops.reports, and print where it is, its headline figures and its insights. A month that has not
    ended is refused; a month without activity gives a report that says so.

    \b
    Examples:
      hybrid report monthly --month 2026-10 --env local
      hybrid report monthly --month 2026-10 --company "Hybrid Finance US LLC" --output json
    """
    from dagster_project.reports.build import produce
    from dagster_project.reports.deliver import deliver
    from dagster_project.reports.period import reportable

    chosen = reportable(month)
    env = resolve_env(env_name)
    show_progress(f"building the {chosen} report for {company or 'every company (consolidated)'} in {env.name}")
    with database.connect(env.value("supabase", "ops_url"), source=env.origin("supabase", "ops_url"),
                          autocommit=True) as conn:
        stored = produce(conn, env.name, chosen, company)
    delivery = deliver([stored]).mode if post else None
    result = stored.report
    document = {
        "env": result.env, "month": result.month, "scope": result.scope, "currency": result.currency,
        "has_activity": result.has_activity, "summary": result.summary(),
        "files": {f.format: {"path": str(f.path), "sha256": f.sha256, "bytes": f.bytes} for f in stored.files.values()},
        "figures": {f.key: f.model_dump(mode="json") for f in result.figures},
        "insights": [i.model_dump(mode="json") for i in result.insights],
        "delivery": delivery,
    }
    if output == "json":
        emit_json(document)
        return
    click.echo(result.title)
    click.echo(result.summary())
    for insight in result.insights:
        click.echo(f"  - {insight.message}")
    for file in stored.files.values():
        click.echo(f"{file.format:<5} {file.path}  sha256 {file.sha256[:12]}  {file.bytes:,} bytes")
    if delivery:
        click.echo(f"posted: {delivery}")
