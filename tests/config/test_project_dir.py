"""Commands work on the project in the current directory (or --project-dir), never on the checkout the
tools were installed from: a copy of the project with a broken chart is what `hybrid validate` reports on,
whether run inside it or pointed at it. Also the small promises of `hybrid --help` and the docs' counts."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dagster_project import paths
from dagster_project.cli.launch import project_dir_argument
from dagster_project.cli.main import cli
from dagster_project.project_dir import INSTALLED_FROM, ProjectNotFound, find_project, project_root

HYBRID = str(Path(sys.executable).parent / "hybrid")


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    """The project's files a command reads, in another directory, with one chart naming a metric that
    does not exist."""
    root = tmp_path / "feature"
    for name in ("config", "superset_assets"):
        shutil.copytree(paths.PROJECT_ROOT / name, root / name)
    shutil.copytree(paths.PROJECT_ROOT / "dbt", root / "dbt", ignore=shutil.ignore_patterns("target", "logs"))
    chart = root / "superset_assets" / "charts" / "revenue_total.yaml"
    chart.write_text(chart.read_text().replace("metrics: [total_revenue]", "metrics: [revenue_in_the_copy]"))
    assert "revenue_in_the_copy" in chart.read_text()
    return root


def _validate(cwd: Path, *options: str) -> tuple[int, dict]:
    env = {k: v for k, v in os.environ.items() if k not in ("HYBRID_HOME", "HYBRID_SUPERSET_ASSETS")}
    env["HYBRID_DBT_MANIFEST"] = str(paths.PROJECT_ROOT / "dbt" / "target" / "manifest.json")  # no re-parse
    done = subprocess.run([HYBRID, *options, "validate", "--env", "local", "--output", "json"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, json.loads(done.stdout)


def test_a_command_reads_the_project_it_runs_in_or_is_pointed_at(copy: Path, tmp_path: Path) -> None:
    inside = _validate(copy / "superset_assets" / "charts")
    pointed = _validate(tmp_path, "--project-dir", str(copy))
    for status, document in (inside, pointed):
        assert status == 1 and len(document["problems"]) == 1, document
        assert document["problems"][0].startswith(str(copy / "superset_assets" / "charts" / "revenue_total.yaml"))
        assert "revenue_in_the_copy" in document["problems"][0]
    assert _validate(paths.PROJECT_ROOT) == (0, {"env": "local", "valid": True, "problems": []})


def test_finding_the_project(copy: Path, tmp_path: Path) -> None:
    assert find_project(copy / "superset_assets" / "charts") == copy.resolve()
    assert find_project(tmp_path) is None
    assert project_root({}, tmp_path) == INSTALLED_FROM  # outside any project: the installed checkout
    assert project_root({"HYBRID_HOME": str(copy)}, tmp_path) == copy.resolve()
    with pytest.raises(ProjectNotFound, match="is not a hybrid project"):
        project_root({"HYBRID_HOME": str(tmp_path)})
    assert project_dir_argument(["--project-dir", "x", "plan"]) == "x"
    assert project_dir_argument(["--project-dir=x", "plan"]) == "x"
    assert project_dir_argument(["plan", "--project-dir", "x"]) is None  # an option of the group only


def test_a_project_dir_that_is_no_project_says_so(tmp_path: Path) -> None:
    done = subprocess.run([HYBRID, "--project-dir", str(tmp_path), "validate"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 3 and f"--project-dir {tmp_path}: not a hybrid project" in done.stderr


def test_help_lists_every_exit_status() -> None:
    text = " ".join(CliRunner().invoke(cli, ["--help"]).output.split())
    for status in ("0 success", "1 a check found a problem", "2 bad command line", "3 configuration error",
                   "4 local stack error", "5 database error", "6 Superset API error", "7 approval required"):
        assert status in text


def test_the_docs_count_what_ships() -> None:
    words = {"five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
    text = " ".join((paths.PROJECT_ROOT / "docs" / "dashboards-as-code.md").read_text().split())
    found = re.search(r"Shipped: (\w+) dashboards .*?, (\d+) charts, and (\w+) datasets", text)
    assert found, "the Shipped: sentence of docs/dashboards-as-code.md"
    assets = paths.PROJECT_ROOT / "superset_assets"
    assert (words[found[1]], int(found[2]), words[found[3]]) == tuple(
        len(list((assets / kind).glob("*.yaml"))) for kind in ("dashboards", "charts", "datasets"))
