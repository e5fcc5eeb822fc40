"""A minimal reader and writer for `KEY=VALUE` env files (the stack's `.env.local`)."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path

from dagster_project.config.files import write_private


def read_env_file(path: Path) -> dict[str, str]:
    """Parse `KEY=VALUE` lines; blank lines and `#` comments are skipped, quotes are shell-style."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip().isidentifier():
            raise ValueError(f"{path}:{number}: expected KEY=VALUE, got {raw!r}")
        parts = shlex.split(value) if value.strip() else [""]
        values[key.strip()] = parts[0] if parts else ""
    return values


def write_env_file(path: Path, values: Mapping[str, str], header: str) -> None:
    """Write atomically with mode 0600: the file holds local passwords."""
    lines = [f"# {line}" for line in header.splitlines()]
    lines += [f"{key}={shlex.quote(value)}" for key, value in values.items()]
    write_private(path, "\n".join(lines) + "\n")
