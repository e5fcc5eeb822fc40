"""Why the apply worker stopped, and which Odoo tables nobody replicates yet.

Postgres keeps the cause of a stopped worker only in the warehouse server's log, so status finds it
again the way the worker would meet it: it opens the subscription's own connection, looks for the
publication, and compares the replica tables with Odoo's.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from dagster_project.config import database
from dagster_project.replication import publication, schema_plan
from dagster_project.replication.catalog import read_schemas
from dagster_project.replication.config import ReplicationConfig
from dagster_project.replication.snapshot import SCHEMAS, default_path

PROBE_CONNECT_S = 5


def stopped_worker_cause(wh: psycopg.Connection, repl: psycopg.Connection | None, config: ReplicationConfig,
                         env: str) -> str:
    """The first cause found, with its fix; `repl` is None when status could not open it either."""
    try:  # subconninfo is the superuser's to read: a job role (the asset checks' ops) skips this probe
        conninfo = wh.execute("SELECT subconninfo FROM pg_subscription WHERE subname = %s",
                              (config.subscription,)).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        conninfo = None
    if conninfo is not None:
        try:
            database.connect(conninfo[0], source=f"subscription {config.subscription}'s connection",
                             connect_timeout_s=PROBE_CONNECT_S, statement_timeout_s=database.PROBE_TIMEOUT_S).close()
        except database.DatabaseUnavailable as exc:
            return (f"the subscription cannot connect to the Odoo server: it {exc.cause}; fix: correct "
                    f"ODOO_REPLICATION_URL for '{env}' (or the role's password on the Odoo server), then run "
                    f"`hybrid replication setup --env {env}`, which writes the new connection into the subscription")
    if repl is None:
        return "the Odoo server could not be reached to find the cause (see the error above)"
    if repl.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (config.publication,)).fetchone() is None:
        return (f"publication {config.publication} is missing on the Odoo server: run "
                f"`hybrid replication setup --env {env}` (it creates it)")
    changes = schema_plan.changes_between(repl, wh, config)
    if changes:
        return ("the replica's schema differs from Odoo's (" + "; ".join(c.summary for c in changes[:5])
                + f"): run `hybrid replication sync-schema --env {env}`")
    return "no cause visible from outside: the warehouse server log names it"


def unreplicated_tables(repl: psycopg.Connection, config: ReplicationConfig, env: str,
                        snapshot: Path | None = None) -> dict[str, str]:
    """Odoo tables new since the last schema snapshot that config/replication.yaml does not list ->
    the line to add there. Without a snapshot nothing is reported: Odoo has hundreds of tables on purpose."""
    path = snapshot or default_path(env)
    if not path.exists():
        return {}
    known = set(json.loads(path.read_text()).get("tables", {}))
    configured = {t.qualified for t in config.tables}
    renamed = publication.published_tables(repl, config.publication) or set()  # published: a configured one, renamed
    new = sorted(set(read_schemas(repl, SCHEMAS)) - known - configured - renamed)
    return {table: f"  {table}: {_model(repl, table)}" for table in new}


def _model(conn: psycopg.Connection, table: str) -> str:
    """The Odoo model whose table this is (ir_model when present; else the table name with dots)."""
    name = table.split(".", 1)[1]
    readable = conn.execute("SELECT has_table_privilege(c.oid, 'SELECT') FROM pg_class c "
                            "WHERE c.oid = to_regclass('public.ir_model')").fetchone()
    if readable and readable[0]:
        row = conn.execute("SELECT model FROM ir_model WHERE replace(model, '.', '_') = %s", (name,)).fetchone()
        if row:
            return row[0]
    return name.replace("_", ".")
