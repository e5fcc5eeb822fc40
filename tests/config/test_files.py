"""Secret files (.env.local, secrets.json) are private from their first byte and replaced atomically."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dagster_project.config.dotenv import read_env_file, write_env_file
from dagster_project.stack import secrets


def test_a_secret_file_is_created_0600_even_under_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        write_env_file(tmp_path / ".env.local", {"SUPABASE_DB_URL_LOCAL": "postgresql://u:p w@h/db"}, "local")
        values = secrets.load_or_create(tmp_path)
    finally:
        os.umask(previous)
    for name in (".env.local", "secrets.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    assert read_env_file(tmp_path / ".env.local") == {"SUPABASE_DB_URL_LOCAL": "postgresql://u:p w@h/db"}
    assert secrets.load_or_create(tmp_path) == values  # generated once
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env.local", "secrets.json"]  # no temporary left
