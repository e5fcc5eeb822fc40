"""One live batch: the changes recorded since the last batch, applied to the warehouse's dbt tables in one
transaction, so a dashboard sees the marts before the batch or after it, never half of it.

A table whose model declares a key (catalog.py) is refreshed for the keys the changed rows touch, before
and after the change: its rows with those keys are deleted and rebuilt by the model's own compiled SQL,
filtered to them (simple `= ANY` filters Postgres pushes down to the indexed replica, then the exact
keys). Every other table that reads a changed source is rebuilt whole by the same SQL. Either way the rows
are what `dbt build --full-refresh` would write: the same SQL over the same data (`verify` checks it). Once
a day (the first batch of the reporting day) every table is rebuilt, as the aging's as-of date moves, and
after every dbt run (its on-run-end hook records one), whose snapshot may predate a batch it overwrote."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from dagster_project.live.catalog import Catalog, LiveModel, table_columns

LOCK = "hybrid_live"
LOCK_TIMEOUT = "5s"  # behind a dbt rebuild's DDL: give up and take the batch again
MAX_KEYED_CHANGES = 50_000  # more (an initial sync, a bulk import) is cheaper rebuilt whole
REPORTING_DAY = "SELECT (now() AT TIME ZONE 'Asia/Manila')::date"
DBT = "dbt"  # the source dbt's on-run-end hook records: a run replaced tables, rebuild every one

Progress = Callable[[str], None]


@dataclass
class Batch:
    first_change: int
    last_change: int
    changes: int
    full: bool
    newest_change_at: dt.datetime | None
    replica_lsn: str | None = None
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {"mode", "keys", "rows"}
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"first_change": self.first_change, "last_change": self.last_change, "changes": self.changes,
                "full": self.full, "seconds": round(self.seconds, 3), "replica_lsn": self.replica_lsn,
                "newest_change_at": self.newest_change_at.isoformat() if self.newest_change_at else None,
                "models": self.models}


def _plan(catalog: Catalog, changed: set[str], whole: set[str], full: bool) -> dict[str, str]:
    """Each table to refresh and how: "keyed" when its key query covers every changed source upstream of it
    (on whatever path the change comes), else "full"; a source emptied (`whole`) rebuilds all below it."""
    modes: dict[str, str] = {}
    for model in catalog.models:
        sources = model.upstream_sources & changed
        if full or (sources and (not model.key or sources - model.keyed_sources or sources & whole)):
            modes[model.name] = "full"
        elif sources:
            modes[model.name] = "keyed"
    return modes


def _changed_rows(conn: psycopg.Connection, after: int, limit: int) -> list[tuple[int, str, str, int | None, Any]]:
    return conn.execute("SELECT id, source, kind, row_id, changed_at FROM live.changes WHERE id > %s ORDER BY id "
                        "LIMIT %s", (after, limit)).fetchall()


def _touched(conn: psycopg.Connection, rows: list[tuple]) -> None:
    """live_lines: the journal items changed, and all items of a changed move (its state is theirs);
    live_moves: the moves changed, and the moves of changed items, before and after the batch (an item moved
    to another move touches both); live_rows: the other rows, by source table."""
    lines = [r[3] for r in rows if r[2] == "line" and r[3] is not None]
    moves = [r[3] for r in rows if r[2] == "move" and r[3] is not None]
    conn.execute("CREATE TEMP TABLE live_moves (id bigint PRIMARY KEY) ON COMMIT DROP")
    conn.execute("CREATE TEMP TABLE live_lines (id bigint PRIMARY KEY) ON COMMIT DROP")
    conn.execute("CREATE TEMP TABLE live_rows ON COMMIT DROP AS SELECT DISTINCT source, row_id AS id FROM "
                 "unnest(%s::text[], %s::bigint[]) AS r (source, row_id)",
                 ([r[1] for r in rows if r[2] == "row"], [r[3] for r in rows if r[2] == "row"]))
    conn.execute("INSERT INTO live_moves SELECT DISTINCT unnest(%s::bigint[]) ON CONFLICT DO NOTHING", (moves,))
    conn.execute("INSERT INTO live_lines SELECT DISTINCT unnest(%s::bigint[]) ON CONFLICT DO NOTHING", (lines,))
    facts = conn.execute("SELECT to_regclass('warehouse.fct_journal_items') IS NOT NULL").fetchone()[0]
    if moves:  # every item of a changed move, as the replica has them now and as the facts had them
        conn.execute("INSERT INTO live_lines SELECT id FROM public.account_move_line WHERE move_id = ANY(%s) "
                     "ON CONFLICT DO NOTHING", (moves,))
        if facts:
            conn.execute("INSERT INTO live_lines SELECT move_line_id FROM warehouse.fct_journal_items WHERE "
                         "move_id = ANY(%s) ON CONFLICT DO NOTHING", (moves,))
    if lines:
        conn.execute("INSERT INTO live_moves SELECT DISTINCT move_id FROM public.account_move_line WHERE id = ANY(%s) "
                     "AND move_id IS NOT NULL ON CONFLICT DO NOTHING", (lines,))
        if facts:
            conn.execute("INSERT INTO live_moves SELECT DISTINCT move_id FROM warehouse.fct_journal_items WHERE "
                         "move_line_id = ANY(%s) ON CONFLICT DO NOTHING", (lines,))
    for table in ("live_lines", "live_moves", "live_rows"):
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


def _keys_table(index: int) -> sql.Identifier:
    return sql.Identifier(f"live_keys_{index}")


def _filters(conn: psycopg.Connection, model: LiveModel, keys: sql.Identifier, alias: str) -> sql.Composable:
    """`= ANY` per key column (what the planner pushes into the model's SQL), then the exact key tuples as a
    hashed `IN`: one per pattern of NULLs among the keys (a journal item without a partner has a NULL key)."""
    parts: list[sql.Composable] = []
    for column in model.key:
        values = conn.execute(sql.SQL("SELECT array_agg(DISTINCT {0}) FILTER (WHERE {0} IS NOT NULL), "
                                      "bool_or({0} IS NULL) FROM {1}").format(sql.Identifier(column), keys)
                              ).fetchone()
        target = sql.Identifier(alias, column)
        condition = sql.SQL("{} = ANY({})").format(target, sql.Literal(values[0] or []))
        parts.append(sql.SQL("({} OR {} IS NULL)").format(condition, target) if values[1] else condition)
    patterns = conn.execute(sql.SQL("SELECT DISTINCT {} FROM {}").format(
        sql.SQL(", ").join(sql.SQL("{} IS NULL").format(sql.Identifier(c)) for c in model.key), keys)).fetchall()
    exact = []
    for pattern in patterns:
        nulls = [c for c, is_null in zip(model.key, pattern, strict=True) if is_null]
        present = [c for c in model.key if c not in nulls]
        clause: list[sql.Composable] = [sql.SQL("{} IS NULL").format(sql.Identifier(alias, c)) for c in nulls]
        if present:
            where = sql.SQL(" AND ").join([sql.SQL("{} IS NULL").format(sql.Identifier(c)) for c in nulls]
                                          + [sql.SQL("{} IS NOT NULL").format(sql.Identifier(c)) for c in present])
            clause.append(sql.SQL("({}) IN (SELECT {} FROM {} WHERE {})").format(
                sql.SQL(", ").join(sql.Identifier(alias, c) for c in present),
                sql.SQL(", ").join(map(sql.Identifier, present)), keys, where))
        exact.append(sql.SQL("({})").format(sql.SQL(" AND ").join(clause)))
    parts.append(sql.SQL("({})").format(sql.SQL(" OR ").join(exact)))
    return sql.SQL(" AND ").join(parts)


def _rebuild(conn: psycopg.Connection, model: LiveModel, where: sql.Composable | None) -> int:
    columns, compiled = table_columns(conn, model), model.query
    if where is None:
        conn.execute(sql.SQL("DELETE FROM {}").format(model.relation))
        return conn.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM ({}) AS q").format(
            model.relation, columns, columns, compiled)).rowcount
    conn.execute(sql.SQL("DELETE FROM {} AS q WHERE {}").format(model.relation, where))
    return conn.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM ({}) AS q WHERE {}").format(
        model.relation, columns, columns, compiled, where)).rowcount


def _state(conn: psycopg.Connection) -> tuple[int, dt.date | None]:
    conn.execute("INSERT INTO live.state DEFAULT VALUES ON CONFLICT DO NOTHING")
    return conn.execute("SELECT applied_change, full_refresh_on FROM live.state FOR UPDATE").fetchone()


def refresh(conn: psycopg.Connection, catalog: Catalog, *, full: bool = False, progress: Progress | None = None
            ) -> Batch | None:
    """Apply what changed since the last batch; None when nothing did (or another worker holds the lock)."""
    started = time.monotonic()
    with conn.transaction():
        if not conn.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", (LOCK,)).fetchone()[0]:
            return None
        conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
        applied, rebuilt_on = _state(conn)
        today = conn.execute(REPORTING_DAY).fetchone()[0]
        rows = _changed_rows(conn, applied, MAX_KEYED_CHANGES)
        full = full or rebuilt_on != today or len(rows) >= MAX_KEYED_CHANGES or any(r[1] == DBT for r in rows)
        if not rows and not full:
            return None
        last = rows[-1][0] if rows else applied
        if len(rows) >= MAX_KEYED_CHANGES:
            last = conn.execute("SELECT coalesce(max(id), %s) FROM live.changes", (last,)).fetchone()[0]
        changes = conn.execute("SELECT count(*) FROM live.changes WHERE id > %s AND id <= %s",
                               (applied, last)).fetchone()[0]
        batch = Batch(applied + 1, last, changes, full, max((r[4] for r in rows), default=None))
        modes = _plan(catalog, {r[1] for r in rows}, {r[1] for r in rows if r[2] == "table"}, full)
        keyed = [(i, m) for i, m in enumerate(catalog.models) if modes.get(m.name) == "keyed"]
        if keyed:
            _touched(conn, rows)
            for index, model in keyed:  # the keys as they are before the batch
                names = sql.SQL(", ").join(map(sql.Identifier, model.key))
                conn.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT * FROM ({}) AS k ({})").format(
                    _keys_table(index), sql.SQL(model.keys), names))  # type: ignore[arg-type]  # our dbt YAML
        for index, model in enumerate(catalog.models):
            mode = modes.get(model.name)
            if mode is None:
                continue
            where, began = None, time.monotonic()
            if mode == "keyed":  # and as they are after it, upstream refreshed
                keys = _keys_table(index)
                conn.execute(sql.SQL("INSERT INTO {} {}").format(keys, sql.SQL(model.keys)))  # type: ignore[arg-type]
                if not conn.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(keys)).fetchone()[0]:
                    batch.models[model.name] = {"relation": model.label, "mode": mode, "rows": 0, "seconds": 0.0}
                    continue  # the changes touch none of its rows
                where = _filters(conn, model, keys, "q")
            count = _rebuild(conn, model, where)
            batch.models[model.name] = {"relation": model.label, "mode": mode, "rows": count,
                                        "seconds": round(time.monotonic() - began, 3)}
            if progress:
                progress(f"  {model.label}: {mode}, {count} rows in {time.monotonic() - began:.2f} s")
        conn.execute("UPDATE live.state SET applied_change = %s, updated_at = now(), full_refresh_on = CASE WHEN %s "
                     "THEN %s ELSE full_refresh_on END", (last, full, today))
        conn.execute("DELETE FROM live.changes WHERE id <= %s", (last,))
        batch.replica_lsn = conn.execute("SELECT max(latest_end_lsn)::text FROM pg_stat_subscription").fetchone()[0]
        batch.seconds = time.monotonic() - started
        conn.execute("INSERT INTO live.refreshes (first_change, last_change, changes, full_refresh, seconds, "
                     "newest_change_at, replica_lsn, models) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                     (batch.first_change, batch.last_change, batch.changes, full, batch.seconds,
                      batch.newest_change_at, batch.replica_lsn, Jsonb(batch.models)))
    return batch
