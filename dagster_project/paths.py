"""Where the project and its local state live.

The project is the working copy a command runs in, found the way dbt and Terraform find theirs: `--project-dir`
(which sets HYBRID_HOME before anything loads), else the nearest directory at or above the current one that
holds the project's marker files, else the checkout this package was installed from. So a command run in a
second clone (a feature branch) reads and writes that clone, never the one the tools were installed from.

Everything a local run writes (Postgres data, logs, pid files, secrets, DAGSTER_HOME) goes under one
git-ignored state directory, so `make down` / `make up` keep data and a fresh clone starts clean.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster_project.project_dir import project_root

PROJECT_ROOT = project_root()


def state_dir() -> Path:
    return Path(os.environ.get("HYBRID_STATE_DIR", PROJECT_ROOT / ".state")).resolve()


def env_file() -> Path:
    """The stack's `.env.local`: HYBRID_ENV_FILE if set (tests), else the state directory's own when
    HYBRID_STATE_DIR names one (a second stack never writes the first one's settings), else the project's."""
    if os.environ.get("HYBRID_ENV_FILE"):
        return Path(os.environ["HYBRID_ENV_FILE"]).resolve()
    if os.environ.get("HYBRID_STATE_DIR"):
        return state_dir() / ".env.local"
    return (PROJECT_ROOT / ".env.local").resolve()


def matrix_file() -> Path:
    return Path(os.environ.get("HYBRID_MATRIX_FILE", PROJECT_ROOT / "config" / "instance-matrix.yaml"))
