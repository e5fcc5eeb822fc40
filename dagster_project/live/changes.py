"""The change record of the replica: a row trigger on every source table the marts read appends what changed
to `live.changes` (a journal item, a move, or just the table), and wakes the live worker with NOTIFY.

The triggers are ENABLE ALWAYS: logical replication's apply worker runs as `session_replication_role =
replica`, where ordinary triggers stay silent. They run as their owner (SECURITY DEFINER, the setup's
superuser) with a fixed search_path, so no writer of the replica needs rights on `live`. Each change costs
the apply one small INSERT (docs/benchmarks.md measures it). A reconcile records the two journal items whose
residuals it moves; every other table records its row id; a TRUNCATE (a re-copy) records the whole table."""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql

SCHEMA = "live"
CHANNEL = "hybrid_live"
TRIGGER = "hybrid_live_change"
TRUNCATED = "hybrid_live_truncate"
FUNCTION = "record_change"

DDL = (
    "CREATE SCHEMA IF NOT EXISTS live",
    "CREATE TABLE IF NOT EXISTS live.changes (id bigserial PRIMARY KEY, source text NOT NULL, kind text NOT NULL "
    "CHECK (kind IN ('line', 'move', 'row', 'table')), row_id bigint, "
    "changed_at timestamptz NOT NULL DEFAULT clock_timestamp())",
    # one row: what the worker has applied; the worker's own transaction moves it with the marts it refreshed
    "CREATE TABLE IF NOT EXISTS live.state (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), "
    "applied_change bigint NOT NULL DEFAULT 0, full_refresh_on date, updated_at timestamptz NOT NULL DEFAULT now())",
    # one row per batch the worker applied: Dagster's freshness observations read it
    "CREATE TABLE IF NOT EXISTS live.refreshes (id bigserial PRIMARY KEY, finished_at timestamptz NOT NULL DEFAULT "
    "clock_timestamp(), first_change bigint NOT NULL, last_change bigint NOT NULL, changes bigint NOT NULL, "
    "full_refresh boolean NOT NULL, seconds double precision NOT NULL, newest_change_at timestamptz, replica_lsn "
    "text, models jsonb NOT NULL)",
    """CREATE OR REPLACE FUNCTION live.record_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
       SET search_path = pg_catalog, pg_temp AS $fn$
    DECLARE
        source text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
        kind text := CASE TG_TABLE_NAME WHEN 'account_move_line' THEN 'line' WHEN 'account_move' THEN 'move'
                     WHEN 'account_partial_reconcile' THEN 'line' ELSE 'row' END;
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN  -- a re-copy empties the replica: everything downstream is rebuilt whole
            INSERT INTO live.changes (source, kind) VALUES (source, 'table');
        ELSIF TG_TABLE_NAME = 'account_partial_reconcile' THEN
            IF TG_OP <> 'INSERT' THEN
                INSERT INTO live.changes (source, kind, row_id)
                VALUES (source, kind, OLD.debit_move_id), (source, kind, OLD.credit_move_id);
            END IF;
            IF TG_OP <> 'DELETE' THEN
                INSERT INTO live.changes (source, kind, row_id)
                VALUES (source, kind, NEW.debit_move_id), (source, kind, NEW.credit_move_id);
            END IF;
        ELSIF kind = 'row' THEN  -- a link table may have no id: the table alone then
            INSERT INTO live.changes (source, kind, row_id) VALUES (source, kind,
                (CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END ->> 'id')::bigint);
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO live.changes (source, kind, row_id) VALUES (source, kind, OLD.id);
        ELSE
            INSERT INTO live.changes (source, kind, row_id) VALUES (source, kind, NEW.id);
        END IF;
        PERFORM pg_notify('hybrid_live', '');
        RETURN NULL;
    END
    $fn$""",
)


def install(conn: psycopg.Connection, tables: Iterable[str], worker_role: str, reader_role: str) -> list[str]:
    """The record and a trigger on each `schema.table` that exists (an OCR table appears on first load: run
    setup again then); the worker's role may read and trim the record and keep its state, the reader's (ops:
    Dagster's observations) read the batches. Idempotent."""
    for statement in DDL:
        conn.execute(statement)
    role = sql.Identifier(worker_role)
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA live TO {}").format(role))
    conn.execute(sql.SQL("GRANT SELECT, INSERT, DELETE ON live.changes TO {}").format(role))  # INSERT: dbt's hook
    conn.execute(sql.SQL("GRANT USAGE ON SEQUENCE live.changes_id_seq TO {}").format(role))
    conn.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE ON live.state TO {}").format(role))
    conn.execute(sql.SQL("GRANT SELECT, INSERT ON live.refreshes TO {}").format(role))
    conn.execute(sql.SQL("GRANT USAGE, SELECT ON SEQUENCE live.refreshes_id_seq TO {}").format(role))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA live TO {}").format(sql.Identifier(reader_role)))
    conn.execute(sql.SQL("GRANT SELECT ON live.refreshes, live.state TO {}").format(sql.Identifier(reader_role)))
    conn.execute(sql.SQL("REVOKE ALL ON FUNCTION live.record_change() FROM PUBLIC"))
    installed = []
    for name in sorted(tables):
        schema, table = name.split(".", 1)
        if conn.execute("SELECT to_regclass(%s) IS NULL", (name,)).fetchone()[0]:
            continue
        target = sql.Identifier(schema, table)
        conn.execute(sql.SQL("CREATE OR REPLACE TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {} FOR EACH ROW "
                             "EXECUTE FUNCTION live.record_change()").format(sql.Identifier(TRIGGER), target))
        conn.execute(sql.SQL("CREATE OR REPLACE TRIGGER {} AFTER TRUNCATE ON {} FOR EACH STATEMENT "
                             "EXECUTE FUNCTION live.record_change()").format(sql.Identifier(TRUNCATED), target))
        for trigger in (TRIGGER, TRUNCATED):
            conn.execute(sql.SQL("ALTER TABLE {} ENABLE ALWAYS TRIGGER {}").format(target, sql.Identifier(trigger)))
        installed.append(name)
    return installed


def uninstall(conn: psycopg.Connection, tables: Iterable[str]) -> None:
    for name in sorted(tables):
        if conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0]:
            schema, table = name.split(".", 1)
            for trigger in (TRIGGER, TRUNCATED):
                conn.execute(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sql.Identifier(trigger),
                                                                             sql.Identifier(schema, table)))
