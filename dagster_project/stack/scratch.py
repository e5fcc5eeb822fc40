"""Throwaway stacks for tests and benchmarks: their own state directory and free ports, so a
developer's `make up` stack on :54322 is never touched."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from dagster_project import paths
from dagster_project.stack import osuser
from dagster_project.stack.postgres import LocalPostgres


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scratch_state_dir(prefix: str) -> Path:
    """A new state directory the unprivileged server user can reach: under the project's `.state`,
    or under /var/tmp when the checkout itself is not reachable (e.g. under /root)."""
    base = paths.PROJECT_ROOT / ".state"
    if osuser.unreachable_parent(base / "x") is not None:
        base = Path("/var/tmp/hybrid-scratch")
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    path.chmod(0o755)
    return path


@contextmanager
def scratch_server(state: Path, superuser_password: str, settings: Mapping[str, str] | None = None,
                   ) -> Iterator[LocalPostgres]:
    """An empty PostgreSQL cluster of its own in `state`, on a free port, stopped on exit."""
    postgres = LocalPostgres(state, free_port(), settings)
    try:
        postgres.init(superuser_password)
        postgres.start(progress=lambda _: None)
        postgres.wait_ready(superuser_password)
        yield postgres
    finally:
        postgres.stop()
