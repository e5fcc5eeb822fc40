"""Finding the project a command works on: pure functions, importable before HYBRID_HOME is settled (paths.py
resolves the project once, on import)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

MARKERS = ("config/instance-matrix.yaml", "superset_assets", "dbt/dbt_project.yml")
INSTALLED_FROM = Path(__file__).resolve().parents[1]


class ProjectNotFound(Exception):
    """HYBRID_HOME (or --project-dir) names a directory that is not a project."""


def is_project(directory: Path) -> bool:
    return all((directory / marker).exists() for marker in MARKERS)


def find_project(start: Path) -> Path | None:
    """The nearest directory at or above `start` holding every marker file."""
    start = start.resolve()
    return next((d for d in (start, *start.parents) if is_project(d)), None)


def project_root(environ: Mapping[str, str] = os.environ, cwd: Path | None = None) -> Path:
    explicit = environ.get("HYBRID_HOME")
    if explicit:
        root = Path(explicit).expanduser().resolve()
        if not is_project(root):
            raise ProjectNotFound(f"{root} is not a hybrid project (it lacks {', '.join(MARKERS)}); fix: point "
                                  "--project-dir (or HYBRID_HOME) at a checkout of the repository")
        return root
    return find_project(cwd or Path.cwd()) or INSTALLED_FROM
