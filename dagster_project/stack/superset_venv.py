"""Virtual environments of programs whose pins clash with ours, outside the checkout: Superset, and the
peer tools the tests run beside it (preset-cli).

Superset's pins (sqlalchemy<2, marshmallow<4, pandas<2.2) clash with Dagster and dbt, and the install is
about 800 MB, so each lives in a per-user cache directory keyed by version and pins: fresh clones and CI
reuse it. A marker is written only after a successful install, so an interrupted one is redone, not used.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dagster_project.stack.errors import StackError

SUPERSET_VERSION = "6.1.0"
# A plain `pip install apache-superset==6.1.0` is broken (docs/superset.md): rich and cachetools are
# missing, flask-caching 2.5 breaks start-up; psycopg2 lets Superset reach Postgres.
PINS = (f"apache-superset=={SUPERSET_VERSION}", "rich", "cachetools", "flask-caching==2.3.1", "psycopg2-binary")
PYTHON = "3.11"
MARKER = ".hybrid-installed"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ToolEnvironment:
    """One program's own environment: `override` names the variable that points at a ready one."""

    name: str
    version: str
    pins: tuple[str, ...]
    override: str
    size: str

    def path(self) -> Path:
        """`$<override>`, or `${XDG_CACHE_HOME:-~/.cache}/hybrid/<name>-<version>-<hash of pins>`."""
        if os.environ.get(self.override):
            return Path(os.environ[self.override]).expanduser().resolve()
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        digest = hashlib.sha256("\n".join((PYTHON, *self.pins)).encode()).hexdigest()[:12]
        return cache / "hybrid" / f"{self.name}-{self.version}-{digest}"

    def installed(self, venv: Path | None = None) -> bool:
        marker = (venv or self.path()) / MARKER
        return marker.is_file() and marker.read_text().split("\n") == list(self.pins)

    def bin_path(self, program: str, venv: Path | None = None) -> str:
        return str((venv or self.path()) / "bin" / program)

    def ensure_installed(self, progress: Progress = print) -> Path:
        """Install once per cache key; concurrent callers (tests and `make up`) wait for each other."""
        venv = self.path()
        if self.installed(venv):
            return venv
        venv.parent.mkdir(parents=True, exist_ok=True)
        with _lock(venv.with_name(venv.name + ".lock")):
            if not self.installed(venv):
                self._install(venv, progress)
        return venv

    def _install(self, venv: Path, progress: Progress) -> None:
        started = time.monotonic()
        if venv.exists():
            progress(f"removing an unfinished {self.name} install in {venv}")
            shutil.rmtree(venv)
        progress(f"installing {self.name} {self.version} into {venv} ({self.size}, once per machine)")
        log = venv.with_name(venv.name + ".install.log")
        python = self.bin_path("python", venv)
        for argv in ([_python311(), "-m", "venv", str(venv)], [python, "-m", "pip", "install", "--upgrade", "pip"],
                     [python, "-m", "pip", "install", "--progress-bar", "off", *self.pins]):
            _run(argv, log, progress, self.name)
        (venv / MARKER).write_text("\n".join(self.pins))
        progress(f"installed {self.name} {self.version} in {time.monotonic() - started:.0f}s")


SUPERSET = ToolEnvironment("superset", SUPERSET_VERSION, PINS, "HYBRID_SUPERSET_VENV", "about 800 MB")
# The peer a team runs beside us (`superset-cli ... sync native`): the tests import our bundle with it.
PRESET_CLI = ToolEnvironment("preset-cli", "0.3.13", ("preset-cli==0.3.13",), "HYBRID_PRESET_CLI_VENV",
                             "about 280 MB")


def _run(argv: list[str], log: Path, progress: Progress, what: str) -> None:
    """Run one install step, its output in `log`; pip's `Collecting`/`Processing` lines are the progress."""
    with log.open("a") as out:
        out.write(f"$ {' '.join(argv)}\n")
        out.flush()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                stdin=subprocess.DEVNULL)
        assert proc.stdout is not None
        count = 0
        for line in proc.stdout:
            out.write(line)
            if line.startswith(("Collecting ", "Processing ")):
                count += 1
                progress(f"  [{count}] {line.strip()}")
            elif line.startswith("Installing collected packages"):
                progress("  installing the collected packages ...")
        status = proc.wait()
    if status != 0:
        tail = "\n".join("    " + line for line in log.read_text().splitlines()[-15:])
        raise StackError(f"installing {what} failed at `{' '.join(argv[:4])} ...` (status {status}):\n{tail}",
                         f"read {log}; fix the cause (network, disk space) and run the command again: "
                         "the unfinished environment is removed and reinstalled")


def _python311() -> str:
    """The interpreter for the venv: `python3.11`, else this one when it is 3.11."""
    found = shutil.which(f"python{PYTHON}")
    if found:
        return found
    if f"{sys.version_info.major}.{sys.version_info.minor}" == PYTHON:
        return sys.executable
    raise StackError(f"Superset's (and preset-cli's) own environment needs Python {PYTHON}; `python{PYTHON}` is "
                     "not on PATH", f"install Python {PYTHON} (e.g. pyenv install 3.11) or set "
                                    "HYBRID_SUPERSET_VENV to a ready environment")


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
