"""Seed time per 100,000 move lines against a raw COPY of the same rows, measured in the same run.

The fair baseline is "raw": every row the seed wrote (all tables), copied out with ``COPY TO STDOUT`` and
copied back with ``COPY FROM STDIN`` into empty ``LIKE`` tables created in the loading transaction (in a
schema of its own), then the same primary keys, checks and indexes built the way the seed builds them.
The older move-lines-only figure (one table, no index) is reported next to it.

    python -c "from bench.bench_seed import run; print(run('postgresql://...', 5))"
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from dagster_project.odoo.generator.seed import build_indexes, seed_database
from dagster_project.odoo.schema import TABLES

BENCH_DATABASE = "odoo_bench"
BENCH_TODAY = dt.date(2026, 3, 15)
BENCH_SCHEMA = "bench_raw"
PER = 100_000


def copy_out(conn: psycopg.Connection, table: str) -> bytes:
    buffer = io.BytesIO()
    with conn.cursor() as cur, cur.copy(sql.SQL("COPY {} TO STDOUT").format(sql.Identifier(table))) as copy:
        for block in copy:
            buffer.write(block)
    return buffer.getvalue()


def copy_in(conn: psycopg.Connection, source: str, target: sql.Composable, data: bytes) -> None:
    """Create ``target`` like ``public.source`` and COPY ``data`` into it (in the caller's transaction)."""
    conn.execute(sql.SQL("CREATE TABLE {} (LIKE {})").format(target, sql.Identifier("public", source)))
    with conn.cursor() as cur, cur.copy(sql.SQL("COPY {} FROM STDIN").format(target)) as copy:
        copy.write(data)


def raw_all_tables(dsn: str) -> dict[str, float | int]:
    """COPY every seeded table into an empty schema and build the seed's keys and indexes on it."""
    raw_dsn = make_conninfo(dsn, options=f"-c search_path={BENCH_SCHEMA}")
    with psycopg.connect(dsn) as conn:
        dumps = {table.name: copy_out(conn, table.name) for table in TABLES}
    schema = sql.Identifier(BENCH_SCHEMA)
    with psycopg.connect(raw_dsn) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schema))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
        conn.commit()
        started = time.perf_counter()
        for name, data in dumps.items():
            copy_in(conn, name, sql.Identifier(BENCH_SCHEMA, name), data)
        conn.commit()
    copied = time.perf_counter()
    build_indexes(raw_dsn)
    indexed = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(schema))
    return {
        "rows": sum(data.count(b"\n") for data in dumps.values()),
        "bytes": sum(len(data) for data in dumps.values()),
        "copy_seconds": copied - started,
        "index_seconds": indexed - copied,
        "seconds": indexed - started,
    }


def raw_move_lines(dsn: str) -> tuple[float, int]:
    """COPY the seeded move lines alone into an empty table of the same columns, without any index."""
    target = sql.Identifier("bench_raw_account_move_line")
    with psycopg.connect(dsn) as conn:
        data = copy_out(conn, "account_move_line")
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
        conn.commit()
        started = time.perf_counter()
        copy_in(conn, "account_move_line", target, data)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute(sql.SQL("DROP TABLE {}").format(target))
        conn.commit()
    return seconds, data.count(b"\n")


def run(target: str | Callable[[str], str], scale: int) -> dict[str, object]:
    """Seed at ``scale``, then COPY the same rows; ``target`` is a DSN or ``make_database``-like factory."""
    dsn = target(BENCH_DATABASE) if callable(target) else target
    report = seed_database(dsn, scale=scale, seed=42, today=BENCH_TODAY)
    raw = raw_all_tables(dsn)
    lines_seconds, lines = raw_move_lines(dsn)
    seed_per = report.seconds * PER / report.move_lines
    raw_per = float(raw["seconds"]) * PER / report.move_lines
    lines_per = lines_seconds * PER / lines
    return {
        "scale": scale,
        "move_lines": report.move_lines,
        "rows": report.total_rows,
        "seed_seconds": round(report.seconds, 3),
        "seed_phases": {name: round(seconds, 3) for name, seconds in report.phases.items()},
        "raw_seconds": round(float(raw["seconds"]), 3),
        "raw_copy_seconds": round(float(raw["copy_seconds"]), 3),
        "raw_index_seconds": round(float(raw["index_seconds"]), 3),
        "raw_rows": raw["rows"],
        "raw_megabytes": round(int(raw["bytes"]) / 1e6, 1),
        "raw_move_lines_seconds": round(lines_seconds, 3),
        "seed_seconds_per_100k_lines": round(seed_per, 3),
        "raw_seconds_per_100k_lines": round(raw_per, 3),
        "raw_move_lines_seconds_per_100k_lines": round(lines_per, 3),
        "ratio": round(seed_per / raw_per, 2),
        "ratio_to_move_lines_only": round(seed_per / lines_per, 2),
    }
