"""The dbt project's directory and its parsed manifest, without loading Dagster or dbt: the CLI's validate and
the code location both need the manifest, and a fresh clone (a feature branch) has none until it is parsed."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from dagster_project import paths

DBT_PROJECT_DIR = paths.PROJECT_ROOT / "dbt"
PREPARE_COMMAND = "dagster-dbt project prepare-and-package --file dagster_project/dbt/project.py"


class ManifestMissing(Exception):
    """dbt could not parse the project into a manifest."""


def dbt_executable() -> str:
    """dbt beside this interpreter: a code location or test may run without the venv's bin on PATH."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else "dbt"


def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR, progress: Callable[[str], None] = print) -> Path:
    """`<project_dir>/target/manifest.json`, parsed once when missing (`dbt parse` needs no database)."""
    manifest = project_dir / "target" / "manifest.json"
    if manifest.exists():
        return manifest
    progress(f"{manifest} is missing: parsing the dbt project (what `make install` does with `{PREPARE_COMMAND}`)")
    argv = [dbt_executable(), "parse", "--quiet", "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
            "--target-path", str(manifest.parent)]  # here, whatever DBT_TARGET_PATH says
    done = subprocess.run(argv, cwd=project_dir, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0 or not manifest.exists():
        tail = (done.stdout + done.stderr).strip()[-1500:]
        raise ManifestMissing(f"{manifest} is missing and `dbt parse` failed (status {done.returncode}): {tail}; "
                              f"fix the dbt project, then run `make install` (or `{PREPARE_COMMAND}`) in "
                              f"{project_dir.parent}")
    return manifest
