"""`hybrid webhooks serve`: the signed webhook receiver and Mattermost slash commands (docs/webhooks.md)."""

from __future__ import annotations

import click
import uvicorn

from dagster_project.cli import common
from dagster_project.config.environ import SettingError
from dagster_project.config.webhooks import DEFAULT_PORT, load_settings
from dagster_project.superset.control import state_dsn
from dagster_project.webhooks.app import build_app


@click.group()
def webhooks() -> None:
    """The HTTP service that turns OCR and Odoo callbacks and Mattermost slash commands into Dagster runs."""


@webhooks.command("serve")
@common.env_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 in a container).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@common.handle_errors
def serve(env_name: str, host: str, port: int) -> None:
    """Serve POST /webhooks/ocr-complete, /webhooks/odoo-invoice (HMAC-signed with HYBRID_WEBHOOK_SECRET),
    /webhooks/mattermost-command (MATTERMOST_SLASH_TOKEN) and GET /health.

    Refuses to start without HYBRID_WEBHOOK_SECRET. Runs are launched in the Dagster of DAGSTER_WEBSERVER_URL.

    \b
    Example:
      HYBRID_WEBHOOK_SECRET=$(openssl rand -hex 32) hybrid webhooks serve --env local --port 8090
    """
    environment = common.resolve_env(env_name)
    try:
        settings = load_settings(environment.name)
    except SettingError as exc:
        common.fail(str(exc), common.EXIT_CONFIG)
        return
    app = build_app(settings, state_dsn(environment))
    click.echo(f"hybrid webhooks: {environment.name} on http://{host}:{port}"
               f"{'' if settings.slash_token else ' (slash commands off: MATTERMOST_SLASH_TOKEN is not set)'}",
               err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
