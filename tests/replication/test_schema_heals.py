"""Every kind of Odoo schema change, made while Odoo keeps writing, is healed so the replica equals the
source afterwards: checksums of every table before and after, and the heal's own proof in its actions."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from dagster_project.odoo.checksums import table_checksum
from dagster_project.replication import subscription
from dagster_project.replication.config import ReplicatedTable, ReplicationConfig
from dagster_project.replication.schema_sync import sync_schema
from dagster_project.replication.verify import verify
from tests.replication.conftest import Replicated, under_load, wait_for

pytestmark = pytest.mark.stack
quiet = dict(progress=lambda _: None)
LINE = "ALTER TABLE account_move_line "


def _columns(conn: psycopg.Connection, table: str, prefix: str) -> list[tuple[str, str]]:
    return conn.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
                        "AND column_name LIKE %s ORDER BY ordinal_position", (table, prefix + "%")).fetchall()


@pytest.fixture
def heal_column(replicated: Replicated) -> Iterator[None]:
    """account_move_line gains x_heal (no default), filled on every row; afterwards whatever x_heal* column
    the test left is dropped on the source and the drop healed."""
    with replicated.source() as src:
        src.execute(LINE + "ADD COLUMN x_heal varchar(40)")
    assert [c.kind for c in sync_schema(replicated.endpoints, replicated.config, **quiet).applied] == ["column_added"]
    with replicated.source() as src:
        src.execute("UPDATE account_move_line SET x_heal = 'line ' || id")
    source, replica = replicated.checksums()
    assert source == replica
    yield
    with replicated.source() as src:
        for column, _ in _columns(src, "account_move_line", "x_heal"):
            src.execute(LINE + f"DROP COLUMN {column}")
    assert sync_schema(replicated.endpoints, replicated.config, **quiet).in_step


# case -> (the change on the source, the kinds sync-schema applies, whether the table is copied again,
#          the x_heal* columns both sides end with)
COLUMN_CASES = {
    "drop": ([LINE + "DROP COLUMN x_heal"], ["column_removed"], False, []),
    "rename": ([LINE + "RENAME COLUMN x_heal TO x_heal_renamed"], ["column_renamed"], False,
               [("x_heal_renamed", "character varying")]),
    # Looks like a rename to the planner (one column gone, one of its type new): the proof finds the values
    # differ and the table is copied again.
    "drop_and_add": ([LINE + "DROP COLUMN x_heal", LINE + "ADD COLUMN x_heal_new varchar(40)",
                      "UPDATE account_move_line SET x_heal_new = 'new ' || id WHERE id % 7 = 0"],
                     ["column_renamed"], True, [("x_heal_new", "character varying")]),
    "change_type": ([LINE + "ALTER COLUMN x_heal TYPE text"], ["column_type_changed"], False,
                    [("x_heal", "text")]),
    # Odoo's USING expression is not the warehouse's to know: its cast fails, the column is replaced and the
    # table copied again.
    "change_type_using": ([LINE + "ALTER COLUMN x_heal TYPE integer USING length(x_heal)"],
                          ["column_type_changed"], True, [("x_heal", "integer")]),
}


@pytest.mark.parametrize("case", COLUMN_CASES)
def test_a_column_change_under_load_is_healed_and_proven(replicated: Replicated, heal_column: None,
                                                         case: str) -> None:
    statements, kinds, copied, columns = COLUMN_CASES[case]
    with under_load(replicated, seed=40 + len(case)):
        with replicated.source() as src:
            for statement in statements:
                src.execute(statement)
        report = sync_schema(replicated.endpoints, replicated.config, **quiet)
    assert [c.kind for c in report.applied] == kinds and report.in_step
    recopied = any("copied public.account_move_line again (" in a for a in report.actions)
    proven = any(a.startswith("compared public.account_move_line with the source after the heal: equal")
                 for a in report.actions)
    assert recopied == copied
    assert proven == (not copied and kinds != ["column_removed"])
    source, replica = replicated.checksums()
    assert source == replica
    with replicated.source() as src, replicated.warehouse() as wh:
        assert _columns(src, "account_move_line", "x_heal") == _columns(wh, "account_move_line", "x_heal") == columns
    assert verify(replicated.endpoints, replicated.config, [replicated.config.table("public.account_move_line")],
                  range_rows=5_000).equal


def _legacy(config: ReplicationConfig, name: str) -> ReplicationConfig:
    return dataclasses.replace(config, tables=(*config.tables, ReplicatedTable("public", name, "x.legacy")))


def test_a_renamed_then_dropped_table_under_load(replicated: Replicated) -> None:
    """The publication keeps a renamed table (it holds the table, not the name) and the subscription stops
    on the unknown name until the replica is renamed too; a dropped table leaves its frozen copy in place
    and stops nothing else."""
    with replicated.source() as src:
        src.execute("CREATE TABLE x_legacy (id serial PRIMARY KEY, amount int, memo text)")
        src.execute("INSERT INTO x_legacy (amount, memo) SELECT g, 'memo ' || g FROM generate_series(1, 500) g")
    before = _legacy(replicated.config, "x_legacy")
    assert [c.kind for c in sync_schema(replicated.endpoints, before, **quiet).applied] == ["table_added"]
    stop = threading.Event()

    def write() -> None:  # into the table under whichever name it has
        name = "x_legacy"
        with replicated.source() as src:
            while not stop.wait(0.02):
                try:
                    src.execute(sql.SQL("INSERT INTO {} (amount, memo) VALUES (1, 'written under load')")
                                .format(sql.Identifier(name)))
                except psycopg.errors.UndefinedTable:
                    name = "x_legacy_v2"

    writer = threading.Thread(target=write)
    writer.start()
    try:
        with under_load(replicated, seed=52):
            with replicated.source() as src:
                src.execute("ALTER TABLE x_legacy RENAME TO x_legacy_v2")
            report = sync_schema(replicated.endpoints, before, **quiet)
    finally:
        stop.set()
        writer.join()
    assert [(c.kind, c.ddl) for c in report.applied] == [
        ("table_renamed", ('ALTER TABLE "public"."x_legacy" RENAME TO "x_legacy_v2"',))]
    assert [c.config_edit for c in report.manual] == [
        "in config/replication.yaml, replace the line of public.x_legacy with `  public.x_legacy_v2: x.legacy`"]
    after = _legacy(replicated.config, "x_legacy_v2")
    replicated.caught_up()
    with replicated.source() as src, replicated.warehouse() as wh:
        rows = src.execute("SELECT count(*) FROM x_legacy_v2").fetchone()[0]
        assert rows > 550 and wh.execute("SELECT count(*) FROM x_legacy_v2").fetchone()[0] == rows
        assert table_checksum(src, "x_legacy_v2") == table_checksum(wh, "x_legacy_v2")
    assert verify(replicated.endpoints, after).equal
    assert sync_schema(replicated.endpoints, after, **quiet).in_step  # the config names it anew: nothing left

    with replicated.source() as src:
        src.execute("DROP TABLE x_legacy_v2")
    dropped = sync_schema(replicated.endpoints, after, **quiet)
    assert [(c.kind, c.ddl) for c in dropped.manual] == [
        ("table_dropped_on_source", ('DROP TABLE "public"."x_legacy_v2"',))]
    with replicated.warehouse() as wh:
        assert wh.execute("SELECT count(*) FROM x_legacy_v2").fetchone()[0] == rows  # kept, frozen
    source, replica = replicated.checksums()  # everything else still streams
    assert source == replica
    with replicated.warehouse() as wh:
        wh.execute("DROP TABLE x_legacy_v2")


def test_a_recopy_interrupted_after_the_table_left_the_subscription_resumes(replicated: Replicated) -> None:
    """The first two steps of a re-copy, then the process dies: the table is out of the publication and the
    subscription with its rows still in the warehouse. sync-schema puts it back, empties it and copies it."""
    with replicated.source() as src:
        src.execute("ALTER PUBLICATION odoo_changes DROP TABLE res_partner")
    with replicated.warehouse() as wh:
        wh.execute("ALTER SUBSCRIPTION repl_test REFRESH PUBLICATION WITH (copy_data = false)")
    with under_load(replicated, seed=71):
        report = sync_schema(replicated.endpoints, replicated.config, **quiet)
    assert "added to publication odoo_changes: public.res_partner" in report.actions
    assert "emptied public.res_partner: it holds rows but is not in the subscription, which copies it now" \
        in report.actions

    def ready() -> bool:
        with replicated.warehouse() as wh:
            return subscription.table_states(wh, "repl_test").get("public.res_partner") == "r"

    wait_for(ready, timeout=120, what="the copy of public.res_partner")
    source, replica = replicated.checksums()
    assert source == replica
