"""What the daemon-driven benchmarks share: a scratch stack's variables in this process, and `dbt build`
run the way `make up` runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from dagster_project import paths


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """The scratch stack's variables in this process (and so in the daemon and its runs), restored after."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def dbt_build() -> None:
    """`dbt build` against the local environment of the current variables, as `make up` runs it."""
    bin_dir = str(Path(sys.executable).parent)
    done = subprocess.run([sys.executable, "-m", "dagster_project.dbt.env", "--env", "local", "--", "dbt", "build",
                           "--quiet"], cwd=paths.PROJECT_ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"})
    if done.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{(done.stdout + done.stderr)[-3000:]}")
