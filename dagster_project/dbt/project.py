"""The dbt project as Dagster sees it: its directory and the manifest prepared at install time.

`make install` runs `dagster-dbt project prepare-and-package --file dagster_project/dbt/project.py`, which
parses the project once into dbt/target/manifest.json; loading the code location only reads that file.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from dagster_project import paths

DBT_PROJECT_DIR = paths.PROJECT_ROOT / "dbt"
PREPARE_COMMAND = "dagster-dbt project prepare-and-package --file dagster_project/dbt/project.py"

finance_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

log = logging.getLogger(__name__)


def dbt_executable() -> str:
    """dbt beside this interpreter: a code location or test may run without the venv's bin on PATH."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else "dbt"


def manifest_path(project: DbtProject = finance_dbt_project) -> Path:
    """The prepared manifest; parsed here only when missing (a checkout that skipped `make install`)."""
    if not project.manifest_path.exists():
        log.warning("%s is missing; parsing the dbt project once (run `make install` or `%s` to prepare it)",
                    project.manifest_path, PREPARE_COMMAND)
        DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
            ["parse", "--quiet"], target_path=project.target_path).wait()
    return project.manifest_path
