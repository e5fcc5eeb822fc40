"""Where the project and its local state live.

Everything a local run writes (Postgres data, logs, pid files, secrets, DAGSTER_HOME) goes under one
git-ignored state directory, so `make down` / `make up` keep data and a fresh clone starts clean.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("HYBRID_HOME", Path(__file__).resolve().parents[1]))


def state_dir() -> Path:
    return Path(os.environ.get("HYBRID_STATE_DIR", PROJECT_ROOT / ".state")).resolve()


def env_file() -> Path:
    """`.env.local` at the project root, unless HYBRID_ENV_FILE points elsewhere (tests do)."""
    return Path(os.environ.get("HYBRID_ENV_FILE", PROJECT_ROOT / ".env.local")).resolve()


def matrix_file() -> Path:
    return Path(os.environ.get("HYBRID_MATRIX_FILE", PROJECT_ROOT / "config" / "instance-matrix.yaml"))
