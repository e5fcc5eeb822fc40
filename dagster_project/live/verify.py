"""Whether the live tables hold exactly what a full build would: each table against its model's compiled SQL
run now, row for row (a multiset: EXCEPT ALL both ways), in one snapshot so the replica cannot move between
the two reads."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from dagster_project.config import database
from dagster_project.live.catalog import Catalog, LiveModel, table_columns


@dataclass(frozen=True)
class Difference:
    model: str
    missing: int  # rows the full build has and the live table lacks
    extra: int  # rows the live table has and the full build does not

    @property
    def equal(self) -> bool:
        return self.missing == 0 and self.extra == 0


def compare(conn: psycopg.Connection, model: LiveModel) -> Difference:
    columns, compiled = table_columns(conn, model), model.query
    live = sql.SQL("SELECT {} FROM {}").format(columns, model.relation)
    built = sql.SQL("SELECT {} FROM ({}) AS q").format(columns, compiled)
    count = "SELECT count(*) FROM ({} EXCEPT ALL {}) AS d"
    missing = conn.execute(sql.SQL(count).format(built, live)).fetchone()[0]
    extra = conn.execute(sql.SQL(count).format(live, built)).fetchone()[0]
    return Difference(model.name, missing, extra)


def verify(dsn: str, catalog: Catalog, names: set[str] | None = None) -> list[Difference]:
    with database.connect(dsn, statement_timeout_s=None) as conn:
        conn.isolation_level, conn.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
        try:
            return [compare(conn, model) for model in catalog.models if names is None or model.name in names]
        finally:
            conn.rollback()
