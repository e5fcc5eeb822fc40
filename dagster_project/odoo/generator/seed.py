"""Fill a generated Odoo 19 finance database by Odoo's business rules.

Master data comes from ``catalog_builder``, documents from the stories of ``stories`` (which use the
accounting engine in ``accounting``, shared with ``simulate``). This module loads them with COPY, on a
writer thread that overlaps the server's work with generating the next chunk, and builds the keys and
indexes afterwards. Everything derives from ``random.Random(seed)`` and ``today``, so a
(scale, seed, today) triple gives byte-identical tables.
"""

from __future__ import annotations

import datetime as dt
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
from psycopg import sql

from dagster_project.config import database
from dagster_project.odoo import schema
from dagster_project.odoo.generator.audit import audit
from dagster_project.odoo.generator.catalog import Counters
from dagster_project.odoo.generator.catalog_builder import CatalogBuilder
from dagster_project.odoo.generator.copytext import copy_text, stamp
from dagster_project.odoo.generator.documents import Batch
from dagster_project.odoo.generator.master_rows import RATE_COLUMNS, rate_row
from dagster_project.odoo.generator.outcomes import SeedReport
from dagster_project.odoo.generator.party_rows import PARTNER_COLUMNS
from dagster_project.odoo.generator.rates import DailyRates, currency_rates
from dagster_project.odoo.generator.row_text import lines_text, move_text
from dagster_project.odoo.generator.rows import (
    EXPENSE_COLUMNS,
    FULL_COLUMNS,
    LINE_COLUMNS,
    MOVE_COLUMNS,
    PARTIAL_COLUMNS,
    PAYMENT_COLUMNS,
    expense_row,
    partial_row,
    payment_row,
)
from dagster_project.odoo.generator.stories import Seeder

Progress = Callable[[str], None]
HISTORY_DAYS = 540
STORIES_PER_SCALE = 7_800
CHUNK_LINES = 10_000
BULK_TIMEOUT_S = 3600.0  # one COPY or index build of the largest table at large scales (make bench)
Block = tuple[str, Sequence[str], str]  # table, columns, COPY text


def batch_tables(batch: Batch) -> Iterator[Block]:
    """The batch as (table, columns, COPY text) blocks."""
    moves = batch.moves
    yield "account_move", MOVE_COLUMNS, "".join(map(move_text, moves))
    yield "account_move_line", LINE_COLUMNS, "".join([text for move in moves for text in lines_text(move)])
    yield (
        "account_move_line_account_tax_rel",
        ("account_move_line_id", "account_tax_id"),
        copy_text((line.id, tax) for m in moves for line in m.lines for tax in line.tax_ids),
    )
    yield "account_payment", PAYMENT_COLUMNS, copy_text(map(payment_row, batch.payments))
    yield ("account_move__account_payment", ("invoice_id", "payment_id"), copy_text(batch.invoice_payments))
    yield "account_partial_reconcile", PARTIAL_COLUMNS, copy_text(map(partial_row, batch.partials))
    yield "account_full_reconcile", FULL_COLUMNS, copy_text((i, *audit(c)) for i, c in batch.fulls)
    yield "hr_expense", EXPENSE_COLUMNS, copy_text(map(expense_row, batch.expenses))
    yield "expense_tax", ("expense_id", "tax_id"), copy_text((e.id, e.tax_id) for e in batch.expenses)


class Loader:
    """COPY blocks into the database on a writer thread, counting rows and seconds per table.

    The server parses and stores one chunk while Python generates the next (the writer waits on the
    socket without the GIL); at most ``QUEUED`` blocks wait, which bounds the memory. ``waited`` is the time
    the generating thread spent blocked on the writer (including the last chunk's COPY): the part of the
    COPY the overlap did not hide.
    """

    QUEUED = 12

    def __init__(self, conn: psycopg.Connection, progress: Progress | None) -> None:
        self.conn, self.progress = conn, progress
        self.rows: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.waited = 0.0
        self.error: BaseException | None = None
        self.blocks: queue.Queue[Block | None] = queue.Queue(self.QUEUED)
        self.writer = threading.Thread(target=self.write_blocks, name="seed-copy", daemon=True)

    def __enter__(self) -> Loader:
        self.writer.start()
        return self

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        if error is not None and self.error is None:
            self.error = error  # the writer drops what is still queued
        started = time.perf_counter()
        self.blocks.put(None)
        self.writer.join()
        self.waited += time.perf_counter() - started
        if error is None and self.error is not None:
            raise self.error

    def copy(self, table: str, columns: Sequence[str], text: str) -> None:
        if self.error:
            raise self.error
        if text:
            self.put((table, columns, text))

    def put(self, block: Block | None) -> None:
        started = time.perf_counter()
        self.blocks.put(block)
        self.waited += time.perf_counter() - started

    def write_blocks(self) -> None:
        while (block := self.blocks.get()) is not None:
            if self.error is None:
                try:
                    self.write(*block)
                except BaseException as exc:  # raised again in the generating thread
                    self.error = exc

    def write(self, table: str, columns: Sequence[str], text: str) -> None:
        started = time.perf_counter()
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with self.conn.cursor() as cur, cur.copy(statement) as copy:
            copy.write(text)
        self.rows[table] = self.rows.get(table, 0) + text.count("\n")
        self.seconds[table] = self.seconds.get(table, 0.0) + time.perf_counter() - started

    def say(self, message: str) -> None:
        if self.progress:
            self.progress(message)


def story_plan(rng: random.Random, scale: int, start: dt.date, today: dt.date) -> list[tuple[dt.date, str]]:
    """Dates and kinds of all stories, in date order."""
    span = (today - start).days
    kinds = [k for k, _ in Seeder.STORIES]
    weights = [w for _, w in Seeder.STORIES]
    count = STORIES_PER_SCALE * scale
    days = sorted(rng.randrange(span + 1) for _ in range(count))
    chosen = rng.choices(kinds, weights, k=count)
    return [(start + dt.timedelta(days=d), kind) for d, kind in zip(days, chosen, strict=True)]


def load_master(loader: Loader, builder: CatalogBuilder, rates: dict[tuple[int, int], dict[dt.date, int]]) -> None:
    for table, rows in builder.out.rows.items():
        loader.copy(table, builder.out.columns[table], copy_text(rows))
    rate_rows = []
    for (company_id, currency_id), series in sorted(rates.items()):
        for day, rate in series.items():
            rate_id = builder.ids("res_currency_rate")
            rate_rows.append(rate_row(rate_id, stamp(day, rate_id), day, rate, currency_id, company_id))
    loader.copy("res_currency_rate", RATE_COLUMNS, copy_text(rate_rows))


def load_stories(loader: Loader, seeder: Seeder, plan: list[tuple[dt.date, str]], start: dt.date) -> None:
    seeder.opening_entries(start - dt.timedelta(days=1))
    for index, (day, kind) in enumerate(plan, start=1):
        seeder.story(kind, day)
        if seeder.batch.line_count >= CHUNK_LINES or index == len(plan):
            lines = seeder.batch.line_count
            for table, columns, text in batch_tables(seeder.take_batch()):
                loader.copy(table, columns, text)
            loader.say(f"stories {index}/{len(plan)}: {lines} more move lines queued")


def build_indexes(dsn: str, workers: int = 2) -> dict[str, float]:
    """Primary keys, checks and secondary indexes after the load, one table per connection at a time;
    returns the seconds each table took.

    The move lines alone weigh about as much as everything else, so two connections halve the wait.
    """
    seconds: dict[str, float] = {}
    jobs: queue.Queue[schema.Table] = queue.Queue()
    for table in sorted(schema.TABLES, key=lambda t: t.name != "account_move_line"):
        jobs.put(table)

    def work() -> None:
        with database.connect(dsn, autocommit=True, statement_timeout_s=BULK_TIMEOUT_S) as conn:
            conn.execute("SET maintenance_work_mem = '256MB'")
            while True:
                try:
                    table = jobs.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                conn.execute(schema.add_constraints_sql(table))
                for statement in schema.index_statements(table):
                    conn.execute(statement)
                seconds[table.name] = time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(work) for _ in range(workers)]:
            future.result()
    return seconds


def set_sequences(conn: psycopg.Connection, ids: Counters) -> None:
    """Move every serial sequence past the highest id so later inserts work."""
    for table in schema.TABLES:
        if table.is_link:
            continue
        last = ids.last.get(table.name, 0)
        conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)", (table.name, max(last, 1), last > 0))


@contextmanager
def timed(phases: dict[str, float], name: str) -> Iterator[None]:
    """Add the wall-clock seconds of the block to ``phases[name]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        phases[name] = phases.get(name, 0.0) + time.perf_counter() - started


def seed_database(
    dsn: str, *, scale: int = 1, seed: int = 42, today: dt.date, progress: Progress | None = None
) -> SeedReport:
    """Drop and recreate the Odoo tables in ``dsn`` and fill them; about 50,000 move lines per scale."""
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, got {scale}")
    started = time.perf_counter()
    phases: dict[str, float] = {}
    rng = random.Random(seed)
    ids = Counters()
    start = today - dt.timedelta(days=HISTORY_DAYS)
    with timed(phases, "catalog"):
        builder = CatalogBuilder(rng, ids, scale, start)
        catalog = builder.build()
        rates = currency_rates(rng, catalog, start - dt.timedelta(days=1), today)
    with database.connect(dsn, statement_timeout_s=BULK_TIMEOUT_S) as conn:
        with timed(phases, "schema"):
            schema.drop_schema(conn)
            schema.create_tables(conn, constraints=False)
        with timed(phases, "generate"), Loader(conn, progress) as loader:
            loader.say("tables created")
            load_master(loader, builder, rates)
            seeder = Seeder(rng, catalog, ids, today, DailyRates(rates))
            load_stories(loader, seeder, story_plan(rng, scale, start, today), start)
            loader.copy("res_partner", PARTNER_COLUMNS, copy_text(builder.partner_table(catalog)))
        phases["copy_wait"] = loader.waited
        phases["generate"] -= loader.waited
    loader.say("building primary keys and indexes")
    with timed(phases, "indexes"):
        index_seconds = build_indexes(dsn)
    with database.connect(dsn) as conn:
        set_sequences(conn, ids)
    rows = {table.name: loader.rows.get(table.name, 0) for table in schema.TABLES}
    table_seconds = {name: loader.seconds.get(name, 0.0) + index_seconds.get(name, 0.0) for name in rows}
    return SeedReport(
        rows,
        time.perf_counter() - started,
        rows["account_move_line"],
        scale=scale,
        seed=seed,
        today=today,
        phases=phases,
        table_seconds=table_seconds,
    )
