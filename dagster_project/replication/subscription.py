"""The subscription on the warehouse, as its catalog describes it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

# pg_subscription_rel.srsubstate
STATES = {"i": "init", "d": "copying", "f": "copied", "s": "synchronized", "r": "ready"}


@dataclass(frozen=True)
class Subscription:
    name: str
    enabled: bool
    slot_name: str | None
    publications: tuple[str, ...]


def find(conn: psycopg.Connection, name: str) -> Subscription | None:
    row = conn.execute(
        "SELECT subenabled, subslotname, subpublications FROM pg_subscription WHERE subname = %s "
        "AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())", (name,)).fetchone()
    return None if row is None else Subscription(name, row[0], row[1], tuple(row[2]))


def table_states(conn: psycopg.Connection, name: str) -> dict[str, str]:
    """schema.table -> srsubstate for every table of the subscription."""
    rows = conn.execute(
        "SELECT n.nspname || '.' || c.relname, r.srsubstate FROM pg_subscription_rel r "
        "JOIN pg_subscription s ON s.oid = r.srsubid JOIN pg_class c ON c.oid = r.srrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE s.subname = %s "
        "AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())", (name,))
    return {table: state for table, state in rows}


def wait_ready(conn: psycopg.Connection, name: str, tables: list[str], timeout: float,
               describe: Callable[[dict[str, str]], str], progress: Callable[[str], None]) -> dict[str, str]:
    """Poll pg_subscription_rel until every table is ready; `describe` turns the pending tables' state names
    into a progress line (said only when it changes). Returns what is still pending at the deadline ({} once
    ready): the caller words its own error."""
    deadline = time.monotonic() + timeout
    said = ""
    while True:
        states = table_states(conn, name)
        pending = {t: STATES.get(states.get(t, ""), "not subscribed") for t in tables if states.get(t) != "r"}
        if not pending or time.monotonic() > deadline:
            return pending
        if (line := describe(pending)) != said:
            progress(line)
            said = line
        time.sleep(0.2)


def refresh(conn: psycopg.Connection, name: str) -> None:
    """Pick up tables added to (or dropped from) the publication; new tables get their rows copied."""
    conn.execute(sql.SQL("ALTER SUBSCRIPTION {} REFRESH PUBLICATION WITH (copy_data = true)")
                 .format(sql.Identifier(name)))


def drop_detached(conn: psycopg.Connection, name: str) -> None:
    """Drop the subscription without touching its slot: on a shared server, dropping the slot from inside
    DROP SUBSCRIPTION waits for itself. The caller drops or reuses the slot."""
    ident = sql.Identifier(name)
    conn.execute(sql.SQL("ALTER SUBSCRIPTION {} DISABLE").format(ident))
    conn.execute(sql.SQL("ALTER SUBSCRIPTION {} SET (slot_name = NONE)").format(ident))
    conn.execute(sql.SQL("DROP SUBSCRIPTION {}").format(ident))
