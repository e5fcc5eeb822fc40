"""The one place that opens Postgres connections, so every one has bounds and a failure names its source.

A host that accepts TCP but never answers, a statement stuck behind a lock, a wrong password: each ends
within bounds (connect, statement and lock timeouts) as `DatabaseUnavailable`, whose message names where
the connection string came from (the environment and its variable), what went wrong and the fix; a
sensor or an asset check therefore never blocks the Dagster daemon. tests/config/test_database.py keeps
`psycopg.connect` out of every other module.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

CONNECT_TIMEOUT_S = 8  # with the CLI's start-up, a silent host is reported in under 15 s
STATEMENT_TIMEOUT_S = 300.0  # a CLI command or a job step; sensors and checks pass a shorter bound
LOCK_TIMEOUT_S = 30.0
PROBE_TIMEOUT_S = 30.0  # sensors, asset checks, health and status: they run often and must return

# What the server or libpq says -> what it means and what to do (checked in order, first match wins).
_CAUSES = (
    (("timeout expired", "connection timeout"), "did not answer within {timeout} s",
     "check that the server is up and reachable, and that the host and port in {source} are right"),
    (("password authentication failed",), "refused the password of user {user}",
     "put the right password in {source} (or reset the role's password on the server)"),
    (("connection refused",), "refused the connection: nothing listens there",
     "start the server, or correct the host and port in {source}"),
    (("could not translate host name", "name or service not known", "nodename nor servname"),
     "is an unknown host name", "correct the host in {source}"),
    (("no pg_hba.conf entry",), "does not admit this client (pg_hba.conf)",
     "allow this host and user in the server's pg_hba.conf, or use the address and role {source} should name"),
    (("does not exist",), "has no such database or role",
     "correct the database or user in {source}, or create it (`hybrid stack up` does locally)"),
    (("ssl", "certificate"), "failed the TLS handshake",
     "check sslmode and sslrootcert in {source} (docs/security.md)"),
)


class DatabaseUnavailable(psycopg.OperationalError):
    """A connection could not be opened; the message says from where, why and what to do."""

    def __init__(self, source: str, target: str, cause: str, fix: str):
        self.source, self.target, self.cause, self.fix = source, target, cause, fix
        super().__init__(f"{source}: the database at {target} {cause}\n  fix: {fix}")


def connect(dsn: str, *, source: str = "the connection string", autocommit: bool = False,
            statement_timeout_s: float | None = STATEMENT_TIMEOUT_S,
            lock_timeout_s: float | None = LOCK_TIMEOUT_S,
            connect_timeout_s: int = CONNECT_TIMEOUT_S) -> psycopg.Connection:
    """Open a connection with bounded connect, statement and lock waits.

    `source` names where `dsn` came from, e.g. "environment 'local', variable ODOO_DB_URL_LOCAL"; a
    timeout of None leaves the server's setting (only for bulk loads that are bounded by their size).
    """
    params = conninfo_to_dict(dsn)
    options = [params.get("options", "")] if params.get("options") else []
    if statement_timeout_s is not None:
        options.append(f"-c statement_timeout={int(statement_timeout_s * 1000)}")
    if lock_timeout_s is not None:
        options.append(f"-c lock_timeout={int(lock_timeout_s * 1000)}")
    try:
        return psycopg.connect(dsn, autocommit=autocommit, connect_timeout=connect_timeout_s,
                               options=" ".join(options))
    except psycopg.OperationalError as exc:
        raise _unavailable(exc, params, source, connect_timeout_s) from None


def target(params: dict[str, object]) -> str:
    """host:port/database of a connection string, never its password."""
    host = params.get("host") or params.get("hostaddr") or "localhost"
    return f"{host}:{params.get('port') or 5432}/{params.get('dbname') or params.get('user') or ''}"


def _unavailable(exc: psycopg.OperationalError, params: dict[str, object], source: str,
                 timeout: int) -> DatabaseUnavailable:
    said = str(exc).strip()
    lowered = said.lower()
    for needles, cause, fix in _CAUSES:
        if any(needle in lowered for needle in needles):
            values = {"timeout": timeout, "user": params.get("user", "?"), "source": source}
            return DatabaseUnavailable(source, target(params), cause.format(**values), fix.format(**values))
    first = said.splitlines()[-1] if said else type(exc).__name__
    return DatabaseUnavailable(source, target(params), f"failed: {first}",
                               f"check the server and the connection string in {source}")
