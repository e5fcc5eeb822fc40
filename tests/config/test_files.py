"""Secret files (.env.local, secrets.json) are private from their first byte and replaced atomically."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

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


def test_env_files_read_back_what_was_written_and_name_a_bad_line(tmp_path: Path) -> None:
    odd = {"A": "p w$HOME \"q\" 'r' \\ end", "B": "", "C": "line1\nline2"}
    write_env_file(tmp_path / ".env", odd, "odd values")
    assert read_env_file(tmp_path / ".env") == odd
    (tmp_path / "hand.env").write_text("# a comment\nexport D=b c\nE='x # y'\nF=v # note\n")
    assert read_env_file(tmp_path / "hand.env") == {"D": "b c", "E": "x # y", "F": "v"}
    (tmp_path / "bad.env").write_text("G=1\nnot a setting\n")
    with pytest.raises(ValueError, match=r"bad.env:2: expected KEY=VALUE, got 'not a setting'"):
        read_env_file(tmp_path / "bad.env")
