"""Seed time per 100,000 move lines against a raw COPY of the same rows, measured in the same run."""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable

import psycopg
from psycopg import sql

from dagster_project.odoo.seed import seed_database

BENCH_DATABASE = "odoo_bench"
BENCH_TODAY = dt.date(2026, 3, 15)
PER = 100_000


def _copy_out(conn: psycopg.Connection) -> bytes:
    buffer = io.BytesIO()
    with conn.cursor() as cur, cur.copy("COPY account_move_line TO STDOUT") as copy:
        for block in copy:
            buffer.write(block)
    return buffer.getvalue()


def raw_copy_seconds(dsn: str) -> tuple[float, int]:
    """Time a plain COPY of the seeded move lines into an empty table of the same columns.

    Like the seed, the table is created in the loading transaction and has no secondary index.
    """
    target = sql.Identifier("bench_raw_account_move_line")
    with psycopg.connect(dsn) as conn:
        data = _copy_out(conn)
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
        conn.commit()
        started = time.perf_counter()
        conn.execute(sql.SQL("CREATE TABLE {} (LIKE account_move_line)").format(target))
        with conn.cursor() as cur, cur.copy(sql.SQL("COPY {} FROM STDIN").format(target)) as copy:
            copy.write(data)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute(sql.SQL("DROP TABLE {}").format(target))
        conn.commit()
    return seconds, data.count(b"\n")


def run(target: str | Callable[[str], str], scale: int) -> dict[str, float | int]:
    """Seed at ``scale`` and COPY the same move lines; ``target`` is a DSN or ``make_database``-like factory."""
    dsn = target(BENCH_DATABASE) if callable(target) else target
    report = seed_database(dsn, scale=scale, seed=42, today=BENCH_TODAY)
    copy_seconds, copied = raw_copy_seconds(dsn)
    seed_per = report.seconds * PER / report.move_lines
    copy_per = copy_seconds * PER / copied
    return {
        "scale": scale,
        "move_lines": report.move_lines,
        "seed_seconds": round(report.seconds, 3),
        "raw_copy_seconds": round(copy_seconds, 3),
        "seed_seconds_per_100k_lines": round(seed_per, 3),
        "raw_copy_seconds_per_100k_lines": round(copy_per, 3),
        "ratio": round(seed_per / copy_per, 2),
    }
