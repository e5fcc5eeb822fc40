"""What the daemon-driven benchmarks share: `dbt build` run the way `make up` runs it (their variables go
through `dagster_project.config.environ.environ_overrides`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_project import paths


def dbt_build() -> None:
    """`dbt build` against the local environment of the current variables, as `make up` runs it."""
    bin_dir = str(Path(sys.executable).parent)
    done = subprocess.run([sys.executable, "-m", "dagster_project.cli", "dbt", "build", "--quiet", "--env", "local"],
                          cwd=paths.PROJECT_ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"})
    if done.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{(done.stdout + done.stderr)[-3000:]}")
