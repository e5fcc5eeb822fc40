"""Write (or check) the deployment files generated from Python specs, so they cannot drift from what the local
stack does: deploy/dagster/dagster.yaml and docker/postgres/initdb.d/10-hybrid.sh.

    python -m dagster_project.deploy.render          # rewrite both
    python -m dagster_project.deploy.render --check  # exit 1 naming each file that differs
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the generated deployment files.",
                                     epilog="Example: python -m dagster_project.deploy.render --check")
    parser.add_argument("--check", action="store_true", help="only report files that differ (exit 1)")
    args = parser.parse_args(argv)
    if args.check:
        for path in (differing := stale()):
            print(f"{path.relative_to(paths.PROJECT_ROOT)} differs from its specs; "
                  "run `python -m dagster_project.deploy.render`", file=sys.stderr)
        return 1 if differing else 0
    for path in write():
        print(f"wrote {path.relative_to(paths.PROJECT_ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
