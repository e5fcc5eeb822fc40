"""`.env` files (the stack's `.env.local`), read by python-dotenv's parser: unquoted values keep their spaces
(`A=b c` is `b c`), `${...}` is never expanded (a password holding `$` stays as it is), and a line that is not
`KEY=VALUE` is an error naming the file and line instead of a skipped setting."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dotenv.parser import parse_stream

from dagster_project.config.files import write_private


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    with path.open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            if binding.error:
                raise ValueError(f"{path}:{binding.original.line}: expected KEY=VALUE, got "
                                 f"{binding.original.string.strip()!r}")
            if binding.key is not None:
                values[binding.key] = binding.value or ""
    return values


def _quoted(value: str) -> str:
    """Double-quoted as python-dotenv reads it back exactly (backslash, quote and newline escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_env_file(path: Path, values: Mapping[str, str], header: str) -> None:
    """Write atomically with mode 0600: the file holds local passwords."""
    lines = [f"# {line}" for line in header.splitlines()]
    lines += [f"{key}={_quoted(value)}" for key, value in values.items()]
    write_private(path, "\n".join(lines) + "\n")
