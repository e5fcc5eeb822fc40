"""Write (or check) the deployment files generated from Python specs, so they cannot drift from what the local
stack does: deploy/dagster/dagster.yaml and docker/postgres/initdb.d/10-hybrid.sh.

    python -m dagster_project.deploy.render          # rewrite both
    python -m dagster_project.deploy.render --check  # exit 1 naming each file that differs
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from dagster_project import paths
from dagster_project.deploy.initdb import SCRIPT, render_script
from dagster_project.deploy.instance import DEPLOY_FILE, render_deploy

GENERATED: dict[Path, Callable[[], str]] = {DEPLOY_FILE: render_deploy, SCRIPT: render_script}


def stale() -> list[Path]:
    """Generated files whose content differs from what their specs render now."""
    return [path for path, render in GENERATED.items() if not path.is_file() or path.read_text() != render()]


def write() -> list[Path]:
    written = []
    for path in stale():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(GENERATED[path]())
        if path.suffix == ".sh":
            os.chmod(path, 0o755)
        written.append(path)
    return written


@click.command(epilog="Example: python -m dagster_project.deploy.render --check")
@click.option("--check", is_flag=True, help="Only report the files that differ (exit status 1), write nothing.")
def main(check: bool) -> None:
    """Render the generated deployment files from their Python specs."""
    if check:
        for path in (differing := stale()):
            click.echo(f"{path.relative_to(paths.PROJECT_ROOT)} differs from its specs; "
                       "run `python -m dagster_project.deploy.render`", err=True)
        sys.exit(1 if differing else 0)
    for path in write():
        click.echo(f"wrote {path.relative_to(paths.PROJECT_ROOT)}", err=True)


if __name__ == "__main__":
    main()
