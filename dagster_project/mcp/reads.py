"""Reads on an agent's behalf: one connection per tool call, its transaction READ ONLY and bounded by a
statement timeout (database.connect's), rolled back at the end; values as JSON carries them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from dagster_project.config import database


@contextmanager
def read_only(dsn: str, timeout_s: float) -> Iterator[psycopg.Connection]:
    with database.connect(dsn, statement_timeout_s=timeout_s) as conn:
        conn.read_only = True
        try:
            yield conn
        finally:
            conn.rollback()


def rows(conn: psycopg.Connection, query: sql.Composable, params: dict[str, Any]) -> list[dict[str, Any]]:
    return conn.cursor(row_factory=dict_row).execute(query, params).fetchall()


def plain(value: Any) -> Any:
    """A database value as JSON carries it: numbers as floats, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, dt.timedelta)):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value
