"""docker/postgres/make-certs.sh, as the compose postgres service runs it on first start, then a real PostgreSQL 17
serving its certificate: a client with `sslmode=verify-full` and the CA certificate connects to `postgres`, and
one that reaches the server under another name, or trusts another CA, is refused. A second run keeps the pair."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from dagster_project.paths import PROJECT_ROOT
from dagster_project.stack import osuser
from dagster_project.stack.postgres import HOST, LocalPostgres
from dagster_project.stack.scratch import scratch_server, scratch_state_dir

SCRIPT = PROJECT_ROOT / "docker" / "postgres" / "make-certs.sh"
PASSWORD = "pw-superuser"


def make_certs(tls: Path, ca: Path, host: str = "postgres") -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(SCRIPT), str(tls), str(ca), host], capture_output=True, text=True, timeout=60,
                          check=False)


@pytest.fixture(scope="module")
def state() -> Iterator[Path]:
    path = scratch_state_dir("tls-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def server(state: Path) -> Iterator[LocalPostgres]:
    made = make_certs(state / "tls", state / "ca")
    assert made.returncode == 0, made.stderr
    for name in ("server.key", "server.crt"):
        osuser.give_to_server_user(state / "tls" / name)
    osuser.give_to_server_user(state / "tls")
    with scratch_server(state, PASSWORD, {"ssl": "on", "ssl_cert_file": f"'{state / 'tls' / 'server.crt'}'",
                                          "ssl_key_file": f"'{state / 'tls' / 'server.key'}'"}) as postgres:
        yield postgres


def connect(server: LocalPostgres, host: str, ca: Path) -> psycopg.Connection:
    """Reach 127.0.0.1 while verifying the certificate against `host`, as a container reaching `postgres` does."""
    return psycopg.connect(host=host, hostaddr=HOST, port=server.port, user="postgres", password=PASSWORD,
                           dbname="postgres", sslmode="verify-full", sslrootcert=str(ca), connect_timeout=5)


def test_a_verifying_client_connects_over_tls(server: LocalPostgres, state: Path) -> None:
    with connect(server, "postgres", state / "ca" / "postgres-ca.crt") as conn:
        assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone() == (True,)
    assert oct((state / "tls" / "server.key").stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in (state / "ca").iterdir()) == ["postgres-ca.crt"]  # clients get no key


def test_another_name_or_another_ca_is_refused(server: LocalPostgres, state: Path) -> None:
    with pytest.raises(psycopg.OperationalError, match='does not match host name "db.example.com"'):
        connect(server, "db.example.com", state / "ca" / "postgres-ca.crt")
    stranger = state / "stranger"
    assert make_certs(stranger / "tls", stranger / "ca").returncode == 0
    with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
        connect(server, "postgres", stranger / "ca" / "postgres-ca.crt")


def test_a_second_run_keeps_the_ca_and_the_certificate(server: LocalPostgres, state: Path) -> None:
    files = [state / "ca" / "postgres-ca.crt", state / "tls" / "server.crt", state / "tls" / "server.key"]
    before = [hashlib.sha256(path.read_bytes()).hexdigest() for path in files]
    again = make_certs(state / "tls", state / "ca")
    assert again.returncode == 0 and again.stdout == ""
    assert [hashlib.sha256(path.read_bytes()).hexdigest() for path in files] == before
