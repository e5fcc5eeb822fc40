"""Long-running local services (Dagster webserver and daemon) started detached, tracked by pid files."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from dagster_project.stack.errors import StackError


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: list[str]
    env: Mapping[str, str]
    cwd: Path
    ready_url: str | None = None


class BackgroundProcess:
    def __init__(self, spec: ProcessSpec, state_dir: Path):
        self.spec = spec
        self.pid_file = state_dir / "run" / f"{spec.name}.pid"
        self.log = state_dir / "logs" / f"{spec.name}.log"

    def pid(self) -> int | None:
        """The recorded pid while it is still this service: alive and the same process that was started
        (the pid file keeps its start time; a pid the system has since given to another process reads as
        stopped), so `stop` never signals a stranger. A stale pid file reads as stopped too."""
        try:
            recorded = self.pid_file.read_text().split()
            pid = int(recorded[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return None
        if _reaped(pid):
            return None
        if len(recorded) == 1:  # written before start times were kept: the service's program must be running
            return pid if os.fsencode(self.spec.argv[0]) in _cmdline(pid) else None
        return pid if recorded[1] == str(_start_time(pid)) else None

    def start(self, timeout: float = 180, progress: Callable[[str], None] = print) -> bool:
        if self.pid() is not None:
            return False
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            proc = subprocess.Popen(
                self.spec.argv, cwd=self.spec.cwd, env={**os.environ, **self.spec.env},
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        self.pid_file.write_text(f"{proc.pid} {_start_time(proc.pid)}\n")
        if self.spec.ready_url:
            self._wait_ready(proc, timeout, progress)
        return True

    def stop(self, timeout: float = 30) -> bool:
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        if self.pid() is not None:
            os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _wait_ready(self, proc: subprocess.Popen, timeout: float, progress: Callable[[str], None]) -> None:
        deadline = time.monotonic() + timeout
        announced = time.monotonic()
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise StackError(f"{self.spec.name} exited with status {proc.returncode} while starting",
                                 f"read {self.log}")
            try:
                if httpx.get(self.spec.ready_url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() - announced > 10:
                progress(f"  still waiting for {self.spec.name} at {self.spec.ready_url} ...")
                announced = time.monotonic()
            time.sleep(0.5)
        raise StackError(f"{self.spec.name} did not answer at {self.spec.ready_url} within {timeout:.0f}s",
                         f"read {self.log}")


def _start_time(pid: int) -> int | None:
    """When `pid` started, in clock ticks since boot (/proc/<pid>/stat field 22): with the pid, it names
    one process for the life of the machine."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # the command name in (...) may hold spaces


def _cmdline(pid: int) -> list[bytes]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return []


def _reaped(pid: int) -> bool:
    """True when `pid` is our own exited child (a zombie still answers kill(pid, 0))."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False  # not our child: started by an earlier `hybrid` process
    return done == pid
