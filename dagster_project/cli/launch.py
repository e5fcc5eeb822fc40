"""The `hybrid` program: `--project-dir` is read before the commands load, since every module resolves the
project's paths (dbt/, superset_assets/, config/) when it is imported."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster_project.project_dir import MARKERS, is_project

OPTION = "--project-dir"


def project_dir_argument(argv: list[str]) -> str | None:
    """The value of `--project-dir` among the options before the command, or None."""
    for index, token in enumerate(argv):
        if not token.startswith("-"):
            return None
        if token == OPTION:
            return argv[index + 1] if index + 1 < len(argv) else None
        if token.startswith(OPTION + "="):
            return token.split("=", 1)[1]
    return None


def main() -> None:
    given = project_dir_argument(sys.argv[1:])
    if given is not None:
        root = Path(given).expanduser().resolve()
        if not is_project(root):
            sys.stderr.write(f"error: --project-dir {given}: not a hybrid project (it lacks {', '.join(MARKERS)}); "
                             "fix: name the checkout's top directory\n")
            sys.exit(3)
        os.environ["HYBRID_HOME"] = str(root)
    from dagster_project.cli.main import cli  # after HYBRID_HOME: the commands' modules read it on import

    cli(prog_name="hybrid")
