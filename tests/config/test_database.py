"""Every connection is bounded and a failure names its source: a silent host, a wrong password, a lock."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from dagster_project import paths
from dagster_project.config import database
from dagster_project.stack.local import LocalStack


@pytest.fixture()
def silent_host() -> Iterator[int]:
    """A port that completes the TCP handshake (the kernel's backlog) and then never says a word, like a
    host behind a dead load balancer."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def test_a_silent_host_fails_within_the_connect_bound_naming_its_source(silent_host: int) -> None:
    dsn = f"postgresql://odoo:s3cret-pw@127.0.0.1:{silent_host}/odoo_local"
    with pytest.raises(database.DatabaseUnavailable) as failure:
        database.connect(dsn, source="environment 'local', variable ODOO_DB_URL_LOCAL", connect_timeout_s=2)
    message = str(failure.value)
    assert message.startswith("environment 'local', variable ODOO_DB_URL_LOCAL: the database at "
                              f"127.0.0.1:{silent_host}/odoo_local did not answer within 2 s")
    assert "fix: check that the server is up" in message and "s3cret-pw" not in message
    assert isinstance(failure.value, psycopg.OperationalError)  # callers that catch psycopg's error still do


def _hybrid(args: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process; the timeout only keeps a regression from hanging the suite."""
    return subprocess.run([str(Path(sys.executable).parent / "hybrid"), *args], capture_output=True, text=True,
                          env=environ, timeout=60, cwd=paths.PROJECT_ROOT)


@pytest.mark.parametrize("command", [["replication", "status"], ["replication", "setup"], ["odoo", "seed"]])
def test_commands_against_a_silent_host_end_with_the_variable_and_the_fix(silent_host: int, tmp_path: Path,
                                                                          command: list[str]) -> None:
    """The three commands the fault test found hanging (killed after 45 s) now end on their own."""
    silent = f"postgresql://u:pw-never-shown@127.0.0.1:{silent_host}/postgres"
    environ = {**os.environ, "HYBRID_ENV_FILE": str(tmp_path / "none.env"), "ODOO_DB_URL_LOCAL": silent,
               "ODOO_REPLICATION_URL_LOCAL": silent, "SUPABASE_DB_URL_LOCAL": silent}
    result = _hybrid([*command, "--env", "local"], environ)
    assert result.returncode == 5, result.stderr
    assert f"did not answer within {database.CONNECT_TIMEOUT_S} s" in result.stderr
    assert "environment 'local', variable " in result.stderr and "_URL_LOCAL" in result.stderr
    assert "fix: check that the server is up" in result.stderr and "pw-never-shown" not in result.stderr


def test_a_wrong_password_names_the_user_and_the_variable(stack: LocalStack) -> None:
    dsn = make_conninfo(stack.dsn("ops", "postgres"), password="wrong-password")
    with pytest.raises(database.DatabaseUnavailable) as failure:
        database.connect(dsn, source="environment 'local', variable SUPABASE_OPS_URL_LOCAL")
    assert failure.value.cause == "refused the password of user ops"
    assert "SUPABASE_OPS_URL_LOCAL" in failure.value.fix and "wrong-password" not in str(failure.value)


def test_a_statement_waiting_on_a_lock_ends_at_the_lock_bound(stack: LocalStack, make_database) -> None:
    dsn = make_database("lock_bound")
    with psycopg.connect(dsn, autocommit=True) as setup:
        setup.execute("CREATE TABLE held (id int)")
    holder = psycopg.connect(dsn)
    try:
        holder.execute("LOCK TABLE held IN ACCESS EXCLUSIVE MODE")
        with database.connect(dsn, lock_timeout_s=0.5) as waiter:
            with pytest.raises(psycopg.errors.LockNotAvailable):
                waiter.execute("SELECT count(*) FROM held")
            waiter.rollback()
            bounds = waiter.execute("SELECT current_setting('lock_timeout'), "
                                    "current_setting('statement_timeout')").fetchone()
        assert bounds == ("500ms", f"{int(database.STATEMENT_TIMEOUT_S / 60)}min")
    finally:
        holder.close()


def test_a_long_statement_ends_at_the_statement_bound(make_database) -> None:
    with database.connect(make_database("statement_bound"), statement_timeout_s=0.3) as conn, \
            pytest.raises(psycopg.errors.QueryCanceled):
        conn.execute("SELECT pg_sleep(5)")


def test_options_in_the_connection_string_are_kept(make_database) -> None:
    dsn = make_database("options_kept") + "?options=-c%20search_path%3Dpg_catalog"
    with database.connect(dsn) as conn:
        assert conn.execute("SHOW search_path").fetchone()[0] == "pg_catalog"


def test_no_product_module_opens_a_connection_of_its_own() -> None:
    """One place builds connections, so code written later gets the bounds too."""
    offenders = []
    for path in sorted((paths.PROJECT_ROOT / "dagster_project").rglob("*.py")):
        if path.name == "database.py" and path.parent.name == "config":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "connect" and \
                    isinstance(node.value, ast.Name) and node.value.id in {"psycopg", "psycopg2"}:
                offenders.append(f"{path.relative_to(paths.PROJECT_ROOT)}:{node.lineno}")
    assert offenders == [], "open connections with dagster_project.config.database.connect"


def test_a_sensor_tick_against_a_silent_host_returns(silent_host: int) -> None:
    """The replication sensor's own connection code, run the way the daemon runs a tick: it must return."""
    from dagster_project.replication.config import load_config
    from dagster_project.replication.sensors import materializations
    from dagster_project.resources.postgres import PostgresResource

    silent = PostgresResource(dsn=f"postgresql://u:p@127.0.0.1:{silent_host}/postgres", source="variable X")
    outcome: list[BaseException] = []

    def tick() -> None:
        try:
            materializations(silent, silent, load_config(), {})
        except BaseException as exc:  # noqa: BLE001 - handed to the asserting thread
            outcome.append(exc)

    worker = threading.Thread(target=tick, daemon=True)
    worker.start()
    worker.join(database.CONNECT_TIMEOUT_S + 10)
    assert not worker.is_alive(), "the tick hung"
    assert isinstance(outcome[0], database.DatabaseUnavailable) and "variable X" in str(outcome[0])
