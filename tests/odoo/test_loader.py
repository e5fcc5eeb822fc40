"""The seed's COPY writer thread: rows and seconds per table, and failures raised where the seed runs."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from dagster_project.odoo.generator.seed import Loader


@pytest.fixture(scope="module")
def dsn(make_database: Callable[[str], str]) -> str:
    return make_database("odoo_test_loader")


def test_blocks_are_copied_in_order_and_counted(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TEMP TABLE t (id int, name text)")
        with Loader(conn, None) as loader:
            for start in range(0, 300, 3):
                loader.copy("t", ("id", "name"), "".join(f"{i}\tn{i}\n" for i in range(start, start + 3)))
            loader.copy("t", ("id", "name"), "")
        assert loader.rows == {"t": 300} and loader.seconds["t"] > 0
        assert [r[0] for r in conn.execute("SELECT id FROM t")] == list(range(300))


def test_a_failing_copy_is_raised_and_stops_the_writer(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TEMP TABLE t (id int)")
        with pytest.raises(psycopg.errors.UndefinedTable), Loader(conn, None) as loader:
            loader.copy("no_such_table", ("id",), "1\n")
            for _ in range(50):
                loader.copy("t", ("id",), "1\n")
        assert "t" not in loader.rows


def test_an_error_while_generating_stops_the_writer_and_propagates(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TEMP TABLE t (id int)")
        with pytest.raises(ZeroDivisionError), Loader(conn, None) as loader:
            for _ in range(Loader.QUEUED):
                loader.copy("t", ("id",), "1\n")
            raise ZeroDivisionError
        assert not loader.writer.is_alive()
