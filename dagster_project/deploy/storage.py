"""Dagster's instance storage must reach Postgres directly, never through Supabase's transaction pooler.

dagster-postgres opens a connection per operation, sets `statement_timeout` per session and LISTENs for run
events; a transaction-mode pooler (Supabase's port 6543, or any `pgbouncer=true` URL) hands each transaction
to another server session, so those settings leak or vanish. The direct connection
(`db.<project-ref>.supabase.co:5432`) or a session-mode pooler is what works.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from psycopg import ProgrammingError
from psycopg.conninfo import conninfo_to_dict

TRANSACTION_POOLER_PORT = 6543
DIRECT_HINT = ("use Supabase's direct connection (Project Settings > Database > Direct connection: "
               "host db.<project-ref>.supabase.co, port 5432, sslmode=require)")


class StorageConnectionError(ValueError):
    """The instance storage connection is a pooler or cannot be read; the message names the setting and the fix."""


def check_direct(host: str | None, port: int | str | None, source: str,
                 params: Mapping[str, Any] | None = None) -> None:
    """Raise StorageConnectionError when host/port/params describe a transaction pooler.

    `source` names where the values came from (a variable or a dagster.yaml key), for the message. A server on
    a loopback address or a Unix socket is a local Postgres whatever its port, never Supabase's pooler.
    """
    if str((params or {}).get("pgbouncer", "")).lower() == "true":
        raise StorageConnectionError(f"{source} asks for pgbouncer=true (a transaction pooler): Dagster's instance "
                                    f"storage needs a direct connection; fix: drop pgbouncer=true and {DIRECT_HINT}")
    if _local(host):
        return
    try:
        number = int(str(port)) if port not in (None, "") else 5432
    except ValueError as exc:
        raise StorageConnectionError(f"{source}: port {port!r} is not a number; fix: {DIRECT_HINT}") from exc
    if number == TRANSACTION_POOLER_PORT:
        raise StorageConnectionError(
            f"{source} points at {host}:{number}, Supabase's transaction pooler: Dagster's instance storage "
            f"needs a direct connection (it sets statement_timeout per session and LISTENs for run events); "
            f"fix: {DIRECT_HINT}")


def check_dsn(dsn: str, source: str) -> None:
    """check_direct for a connection string (URL or key=value)."""
    if re.search(r"\bpgbouncer=true\b", dsn, re.IGNORECASE):  # Prisma-style flag, unknown to libpq's parser
        check_direct(None, None, source, {"pgbouncer": "true"})
    try:
        parts = conninfo_to_dict(dsn)
    except ProgrammingError as exc:
        # the parser's message may quote the string, password included: name the variable only
        raise StorageConnectionError(f"{source} is not a valid Postgres connection string; "
                                     "fix: postgresql://user:password@host:5432/dbname") from exc
    check_direct(parts.get("host"), parts.get("port"), source, parts)


def check_instance_storage(instance_config: Mapping[str, Any], environ: Mapping[str, str], source: str) -> None:
    """Apply the rule to the `storage: postgres:` block of a dagster.yaml, resolving its `env:` references."""
    postgres = ((instance_config.get("storage") or {}).get("postgres")) or {}
    if "postgres_url" in postgres:
        variable, dsn = _resolve(postgres["postgres_url"], environ, f"{source}: storage.postgres.postgres_url")
        check_dsn(dsn, variable)
    elif "postgres_db" in postgres:
        db = postgres["postgres_db"]
        host_from, host = _resolve(db.get("hostname"), environ, f"{source}: storage.postgres.postgres_db.hostname")
        port_from, port = _resolve(db.get("port", 5432), environ, f"{source}: storage.postgres.postgres_db.port")
        check_direct(host, port, f"{host_from} / {port_from}", db.get("params"))


def _resolve(value: Any, environ: Mapping[str, str], key: str) -> tuple[str, str]:
    """(where the value came from, the value) for a literal or an `{env: NAME}` reference."""
    if isinstance(value, Mapping) and "env" in value:
        name = str(value["env"])
        if not environ.get(name):
            raise StorageConnectionError(f"{key} reads {name}, which is not set; fix: export {name}=...")
        return name, environ[name]
    return key, "" if value is None else str(value)


def _local(host: str | None) -> bool:
    if not host or host.startswith("/") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
