"""The dbt project as Dagster sees it: its directory and the manifest prepared at install time.

`make install` runs `dagster-dbt project prepare-and-package --file dagster_project/dbt/project.py`, which
parses the project once into dbt/target/manifest.json; loading the code location only reads that file.
"""

from __future__ import annotations

import logging
from pathlib import Path

from dagster_dbt import DbtProject

from dagster_project.dbt.manifest import DBT_PROJECT_DIR, ensure_manifest

finance_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

log = logging.getLogger(__name__)


def manifest_path(project: DbtProject = finance_dbt_project) -> Path:
    """The prepared manifest; parsed here only when missing (a checkout that skipped `make install`)."""
    return ensure_manifest(Path(project.project_dir), log.warning)
