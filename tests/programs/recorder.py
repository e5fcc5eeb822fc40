"""Every program the test process starts, seen through Python's audit events (`subprocess.Popen`,
`os.exec`, `os.posix_spawn`), with the tests that started it. tests/conftest.py installs one recorder for
the session and fails the run when a program came from nothing the set-up provides; the static scan
(scan.py) covers the code paths a test run does not reach."""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from dataclasses import dataclass, field

from tests.programs.provenance import provider

EVENTS = {"subprocess.Popen", "os.exec", "os.posix_spawn"}


@dataclass(frozen=True)
class Started:
    program: str  # as given: a name looked up on PATH, or a path
    search_path: str | None  # the PATH the child got


@dataclass
class ProgramRecorder:
    started: dict[Started, set[str]] = field(default_factory=lambda: defaultdict(set))

    def __call__(self, event: str, args: tuple) -> None:
        """An audit hook: cheap, and it never raises (it runs inside every process start)."""
        if event not in EVENTS:
            return
        try:
            if event == "subprocess.Popen":
                executable, argv, _cwd, env = args
            else:
                executable, argv, env = args
            program = executable or (argv if isinstance(argv, (str, bytes, os.PathLike)) else argv[0])
            search_path = (env if env is not None else os.environ).get("PATH")
            test = os.environ.get("PYTEST_CURRENT_TEST", "<collection>").rsplit(" (", 1)[0]
            self.started[Started(os.fsdecode(program), search_path)].add(test)
        except Exception:  # noqa: BLE001 - a recorder must not break the process start it watches
            self.started[Started("<unreadable audit event>", None)].add(event)

    def programs(self) -> dict[str, tuple[str | None, set[str]]]:
        """Program -> (what provides it or None, the tests that started it)."""
        found: dict[str, tuple[str | None, set[str]]] = {}
        for start, tests in self.started.items():
            resolved = start.program if "/" in start.program else shutil.which(start.program, path=start.search_path)
            key = resolved or start.program
            source = provider(resolved) if resolved else None
            previous = found.get(key, (source, set()))
            found[key] = (source, previous[1] | tests)
        return found


SESSION = ProgramRecorder()  # tests/conftest.py installs it as an audit hook for the whole session
