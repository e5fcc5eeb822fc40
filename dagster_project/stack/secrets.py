"""Local passwords, generated once per state directory and kept in a 0600 file beside the data."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from dagster_project.config.files import write_private

LOCAL_SECRETS = ("postgres", "odoo", "superset", "dagster", "superset_admin", "superset_secret_key",
                 "odoo_replicator", "superset_reader", "dbt", "ocr", "ops", "agent", "webhook_secret",
                 "mattermost_slash_token")


def load_or_create(state_dir: Path) -> dict[str, str]:
    path = state_dir / "secrets.json"
    values: dict[str, str] = json.loads(path.read_text()) if path.is_file() else {}
    missing = [name for name in LOCAL_SECRETS if name not in values]
    if missing:
        values.update({name: secrets.token_urlsafe(24) for name in missing})
        state_dir.mkdir(parents=True, exist_ok=True)
        write_private(path, json.dumps(values, indent=2))
    return values
