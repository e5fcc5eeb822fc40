"""Logical replication: initial sync against a raw COPY of the same rows, single-row round trip, and
commit-to-replica lag p50/p95 under a bounded single-row load (200 and 1,000 tx/s), all in one run.

Goals: initial sync within 1.3x of COPY; p95 lag under 1 s at 1,000 tx/s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
import threading
import time

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from dagster_project.odoo.generator.seed import seed_database
from dagster_project.replication import subscription
from dagster_project.replication.catalog import read_tables
from dagster_project.replication.config import Endpoints, ReplicatedTable, load_config
from dagster_project.replication.schema_plan import create_table_statements
from dagster_project.replication.setup import setup
from dagster_project.stack.local import LocalStack

SOURCE, WAREHOUSE, COPY_TARGET = "bench_repl_odoo", "bench_repl_warehouse", "bench_repl_copy"
LAG_TABLE = ReplicatedTable("public", "bench_lag", "bench.lag")
SUBSCRIPTION = "bench_repl"
LOAD_SECONDS = 10.0
WRITERS = 4


def _fresh_database(stack: LocalStack, name: str, owner: str) -> str:
    with psycopg.connect(stack.dsn("postgres", "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner)))
    return stack.dsn(owner, name)


def _drop_replication(stack: LocalStack, name: str) -> None:
    """Remove a previous run's subscription and slot, so the databases can be dropped and made again."""
    admin = stack.dsn("postgres", "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (WAREHOUSE,)).fetchone():
            with psycopg.connect(stack.dsn("postgres", WAREHOUSE), autocommit=True) as wh:
                if subscription.find(wh, name):
                    subscription.drop_detached(wh, name)
        deadline = time.monotonic() + 30
        while conn.execute("SELECT active FROM pg_replication_slots WHERE slot_name = %s", (name,)).fetchone() == (
                True,) and time.monotonic() < deadline:
            time.sleep(0.1)
        conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
                     (name,))


def _raw_copy(source: str, target: str, tables: list[str]) -> tuple[float, int]:
    """COPY every table out of the source and into empty tables of the same shape, streamed block by block."""
    with psycopg.connect(source) as src, psycopg.connect(target) as dst:
        for statement in (s for shape in read_tables(src, tables).values() for s in create_table_statements(shape)):
            dst.execute(statement)
        dst.commit()
        started, rows = time.perf_counter(), 0
        for name in tables:
            ident = sql.Identifier(*name.split(".", 1))
            with src.cursor().copy(sql.SQL("COPY {} TO STDOUT").format(ident)) as out, \
                    dst.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(ident)) as into:
                for block in out:
                    into.write(block)
            dst.commit()
            rows += dst.execute(sql.SQL("SELECT count(*) FROM {}").format(ident)).fetchone()[0]
        return time.perf_counter() - started, rows


def _round_trip(endpoints: Endpoints, samples: int = 20) -> float:
    """Median seconds from a single-row commit on Odoo to the row being visible in the warehouse."""
    timings = []
    with psycopg.connect(endpoints.source, autocommit=True) as src, \
            psycopg.connect(endpoints.warehouse, autocommit=True) as wh:
        for _ in range(samples):
            row_id = src.execute("INSERT INTO bench_lag (payload) VALUES (1) RETURNING id").fetchone()[0]
            committed = time.perf_counter()
            while not wh.execute("SELECT EXISTS (SELECT FROM bench_lag WHERE id = %s)", (row_id,)).fetchone()[0]:
                time.sleep(0.0005)
            timings.append(time.perf_counter() - committed)
    return statistics.median(timings)


def _writer(dsn: str, rate: float, until: float, committed: dict[int, float]) -> None:
    """One connection committing single-row transactions on a fixed schedule (never faster than `rate`)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        due = time.perf_counter()
        while due < until:
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            row_id = conn.execute("INSERT INTO bench_lag (payload) VALUES (2) RETURNING id").fetchone()[0]
            committed[row_id] = time.perf_counter()
            due += 1 / rate


def _watch(dsn: str, stop: threading.Event, seen: dict[int, float], start_id: int) -> None:
    """Record when each new row first becomes visible in the warehouse."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        low = start_id
        while not stop.is_set():
            for (row_id,) in conn.execute("SELECT id FROM bench_lag WHERE id > %s", (low,)).fetchall():
                seen.setdefault(row_id, time.perf_counter())
            while low + 1 in seen:
                low += 1
            time.sleep(0.002)


def _lag_under_load(endpoints: Endpoints, rate: float) -> dict[str, float]:
    with psycopg.connect(endpoints.source, autocommit=True) as src:
        start_id = src.execute("SELECT coalesce(max(id), 0) FROM bench_lag").fetchone()[0]
    committed: dict[int, float] = {}
    seen: dict[int, float] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(endpoints.warehouse, stop, seen, start_id))
    watcher.start()
    until = time.perf_counter() + LOAD_SECONDS
    writers = [threading.Thread(target=_writer, args=(endpoints.source, rate / WRITERS, until, committed))
               for _ in range(WRITERS)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    deadline = time.perf_counter() + 30
    while not set(committed) <= set(seen) and time.perf_counter() < deadline:
        time.sleep(0.05)
    stop.set()
    watcher.join()
    lags = sorted(seen[i] - t for i, t in committed.items() if i in seen)
    return {"achieved_tx_per_s": len(committed) / LOAD_SECONDS, "lag_p50_s": lags[len(lags) // 2],
            "lag_p95_s": lags[int(len(lags) * 0.95)], "rows_not_seen": len(set(committed) - set(seen))}


def run(stack: LocalStack, scale: int) -> dict:
    _drop_replication(stack, SUBSCRIPTION)
    source = _fresh_database(stack, SOURCE, "odoo")
    seed_database(source, scale=scale, seed=42, today=dt.date(2026, 3, 15))
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_lag (id bigserial PRIMARY KEY, payload int)")
    endpoints = Endpoints("bench", source, stack.dsn("odoo_replicator", SOURCE),
                          _fresh_database(stack, WAREHOUSE, "postgres"))
    assert {conninfo_to_dict(d)["host"] for d in (endpoints.source, endpoints.warehouse)} == {"127.0.0.1"}
    config = load_config()
    config = dataclasses.replace(config, subscription=SUBSCRIPTION, tables=(*config.tables, LAG_TABLE))
    names = [t.qualified for t in config.tables]

    copy_seconds, rows = _raw_copy(source, _fresh_database(stack, COPY_TARGET, "odoo"), names)
    started = time.perf_counter()
    setup(endpoints, config, progress=lambda _: None)
    sync_seconds = time.perf_counter() - started
    results: dict[str, float | int] = {
        "rows": rows,
        "copy_rows_per_s": rows / copy_seconds,
        "initial_sync_rows_per_s": rows / sync_seconds,
        "initial_sync_vs_copy_time_ratio": sync_seconds / copy_seconds,
        "single_row_round_trip_s": _round_trip(endpoints),
    }
    for rate in (200, 1000):
        results.update({f"{key}@{rate}": value for key, value in _lag_under_load(endpoints, rate).items()})
    _drop_replication(stack, SUBSCRIPTION)
    return results
