"""Prove the replica holds the source's rows: ordered checksums over primary-key ranges, per table.

Each table's key space is cut into ranges of about `range_rows` rows on its first key column (an integer in
every Odoo table; any other type is cut into hash buckets instead). Both sides compute, per range, the row
count and the md5 of the rows' md5s in key order, in statements of at most `BATCH` ranges, so a table of
tens of millions of rows is read in bounded steps through its key index and a difference is named by its key
range. Odoo keeps writing while this runs: the source is read first, then the replica once the subscriber has
confirmed the source's WAL position, and a range that differs is compared again as narrower ranges (up to
`rounds` times, each a little later) before it is reported: a row written in between differs only once, a
real difference stays and is named by its narrow range. Rows written above the key range seen at the start
belong to the next verify.
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

import psycopg
from psycopg import sql

from dagster_project.replication import recopy
from dagster_project.replication.catalog import TableShape, read_tables
from dagster_project.replication.config import Endpoints, ReplicatedTable, ReplicationConfig
from dagster_project.replication.status import wait_caught_up

Progress = Callable[[str], None]
BATCH = 50  # ranges per statement
SPLIT = 8  # a range that differs is compared again as SPLIT narrower ones, so a row being written moves
#            out of the way and a real difference is named by a narrow range
INTEGER_TYPES = {"smallint", "integer", "bigint"}


@dataclass(frozen=True)
class KeySpace:
    """How one table's rows are cut into ranges; the same cut is applied to both sides."""
    key: tuple[str, ...]
    columns: tuple[str, ...]  # compared in the source's column order
    low: int  # range mode: first key value covered; hash mode: 0
    width: int  # range mode: key values per range; hash mode: 0
    ranges: int

    @property
    def by_hash(self) -> bool:
        return self.width == 0

    def bounds(self, index: int) -> tuple[int, int] | None:
        return None if self.by_hash else (self.low + index * self.width, self.low + (index + 1) * self.width - 1)

    def finer(self) -> KeySpace:
        """The same key interval in ranges SPLIT times narrower (hash buckets stay as they are)."""
        if self.by_hash or self.width == 1:
            return self
        width = max(1, self.width // SPLIT)
        return dataclasses.replace(self, width=width, ranges=math.ceil(self.ranges * self.width / width))

    def children(self, index: int, finer: KeySpace) -> range:
        """The ranges of `finer` that cover range `index` of this space."""
        if finer is self:
            return range(index, index + 1)
        first, last = self.bounds(index)
        return range((first - self.low) // finer.width, min(finer.ranges, (last - self.low) // finer.width + 1))

    def label(self, index: int) -> str:
        bounds = self.bounds(index)
        return (f"hash bucket {index + 1} of {self.ranges} of ({', '.join(self.key)})" if bounds is None
                else f"{self.key[0]} {bounds[0]}..{bounds[1]}")


@dataclass(frozen=True)
class Difference:
    table: str
    range: str
    low: int | None
    high: int | None
    source_rows: int
    replica_rows: int


@dataclass
class TableResult:
    table: str
    ranges_compared: int = 0
    ranges_total: int = 0
    source_rows: int = 0  # in the compared ranges
    replica_rows: int = 0
    differences: list[Difference] = field(default_factory=list)
    problem: str | None = None  # why the table could not be compared (a schema difference, a missing table)

    @property
    def equal(self) -> bool:
        return self.problem is None and not self.differences


@dataclass
class VerifyReport:
    env: str
    sampled: bool
    tables: list[TableResult] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return all(t.equal for t in self.tables)

    def as_dict(self) -> dict[str, object]:
        return {"env": self.env, "sampled": self.sampled, "equal": self.equal,
                "tables": [{**asdict(t), "equal": t.equal} for t in self.tables], "repaired": self.repaired}


Sums = dict[int, tuple[int, str]]  # range index -> (rows, checksum)


def key_space(conn: psycopg.Connection, other: psycopg.Connection, table: ReplicatedTable, shape: TableShape,
              range_rows: int) -> KeySpace:
    """The cut covering the rows of both sides (`conn` the source, `other` the replica)."""
    key = shape.primary_key or next((i.columns for i in shape.unique_indexes if i.identity_capable), ())
    key = key or tuple(c.name for c in shape.columns)  # REPLICA IDENTITY FULL: the whole row identifies it
    columns = tuple(c.name for c in shape.columns)
    first = key[0]
    ranges_for = max(1, math.ceil(max(_estimate(conn, table), _estimate(other, table)) / range_rows))
    if shape.column_types[first] not in INTEGER_TYPES:
        return KeySpace(key, columns, 0, 0, ranges_for)
    query = sql.SQL("SELECT min({k})::bigint, max({k})::bigint FROM {t}").format(k=sql.Identifier(first),
                                                                              t=table.ident)
    seen = [v for c in (conn, other) for v in c.execute(query).fetchone() if v is not None]
    if not seen:
        return KeySpace(key, columns, 0, 1, 1)
    low, high = min(seen), max(seen)
    width = max(1, math.ceil((high - low + 1) / ranges_for))
    return KeySpace(key, columns, low, width, math.ceil((high - low + 1) / width))


def _estimate(conn: psycopg.Connection, table: ReplicatedTable) -> int:
    """Rows from the planner's statistics, counted when the table was never analyzed: only sizes the cut."""
    row = conn.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                       (table.ident.as_string(conn),)).fetchone()
    if row and row[0] > 0:
        return row[0]
    return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table.ident)).fetchone()[0]


def range_sums(conn: psycopg.Connection, table: ReplicatedTable, space: KeySpace, indexes: Iterable[int]) -> Sums:
    """Rows and checksum of each wanted range that holds rows (an empty range is simply absent)."""
    wanted = sorted(set(indexes))
    row = sql.SQL("ROW({})::text").format(sql.SQL(", ").join(sql.Identifier("t", c) for c in space.columns))
    order = sql.SQL(", ").join(sql.Identifier("t", c) for c in space.key)
    first = sql.Identifier("t", space.key[0])
    if space.by_hash:
        keys = sql.SQL("ROW({})::text").format(order)
        bucket = sql.SQL("abs(hashtextextended({}, 0) % {})").format(keys, sql.Literal(space.ranges))
        batches = [(sql.SQL("{} = ANY({})").format(bucket, sql.Literal(wanted)), wanted)]
    else:
        bucket = sql.SQL("({}::bigint - {}) / {}").format(first, sql.Literal(space.low), sql.Literal(space.width))
        batches = [(_between(first, space, chunk), chunk) for chunk in _runs(wanted)]
    sums: Sums = {}
    for where, _ in batches:
        query = sql.SQL("SELECT {b}, count(*), md5(string_agg(md5({row}), '' ORDER BY {order})) FROM {t} AS t "
                        "WHERE {where} GROUP BY 1").format(b=bucket, row=row, order=order, t=table.ident,
                                                          where=where)
        sums.update({index: (rows, digest) for index, rows, digest in conn.execute(query)})
    return sums


def _runs(indexes: list[int]) -> list[list[int]]:
    """Contiguous runs of range indexes, at most BATCH long: each one statement over one key interval."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1 and len(runs[-1]) < BATCH:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def _between(first: sql.Identifier, space: KeySpace, run: list[int]) -> sql.Composed:
    low, high = space.bounds(run[0])[0], space.bounds(run[-1])[1]
    return sql.SQL("{} BETWEEN {} AND {}").format(first, sql.Literal(low), sql.Literal(high))


def verify_table(endpoints: Endpoints, config: ReplicationConfig, table: ReplicatedTable, *,
                 sample: int | None = None, range_rows: int = 10_000, rounds: int = 6,
                 progress: Progress = lambda _: None) -> TableResult:
    result = TableResult(table.qualified)
    with endpoints.connect("source") as src, endpoints.connect("warehouse") as wh:
        source, replica = read_tables(src, [table.qualified]), read_tables(wh, [table.qualified])
        result.problem = _shape_problem(table, source, replica, endpoints.env)
        if result.problem:
            return result
        space = key_space(src, wh, table, source[table.qualified], range_rows)
        result.ranges_total = space.ranges
        pending = _chosen(space, sample)
        result.ranges_compared = len(pending)
        totals: tuple[int, int] | None = None
        for attempt in range(rounds):
            if attempt:
                finer = space.finer()
                pending = sorted({child for i in pending for child in space.children(i, finer)})
                space = finer
                time.sleep(0.2 * attempt)
                progress(f"{table.qualified}: comparing {len(pending)} narrower ranges again "
                         f"(round {attempt + 1} of {rounds})")
            else:
                progress(f"{table.qualified}: comparing {len(pending)} of {space.ranges} ranges")
            on_source = range_sums(src, table, space, pending)
            if not wait_caught_up(endpoints, config, timeout=config.lag_threshold_seconds):
                result.problem = (f"the subscriber did not confirm the source's position within "
                                  f"{config.lag_threshold_seconds:.0f}s: run `hybrid replication status "
                                  f"--env {endpoints.env}`")
                return result
            on_replica = range_sums(wh, table, space, pending)
            totals = totals or (sum(r for r, _ in on_source.values()), sum(r for r, _ in on_replica.values()))
            pending = [i for i in pending if on_source.get(i) != on_replica.get(i)]
            if not pending:
                break
    result.source_rows, result.replica_rows = totals
    result.differences = [Difference(table.qualified, space.label(i), *(space.bounds(i) or (None, None)),
                                     on_source.get(i, (0, ""))[0], on_replica.get(i, (0, ""))[0]) for i in pending]
    return result


def _chosen(space: KeySpace, sample: int | None) -> list[int]:
    """All ranges, or a random sample of them plus the newest range (where Odoo writes most)."""
    everything = list(range(space.ranges))
    older = everything[:-1]
    if sample is None or sample >= len(older):
        return everything
    return sorted(random.sample(older, sample)) + [space.ranges - 1]


def _shape_problem(table: ReplicatedTable, source: dict[str, TableShape], replica: dict[str, TableShape],
                   env: str) -> str | None:
    if table.qualified not in source:
        return f"{table.qualified} does not exist in the Odoo database"
    if table.qualified not in replica:
        return f"{table.qualified} is not in the warehouse: run `hybrid replication sync-schema --env {env}`"
    if source[table.qualified].column_types != replica[table.qualified].column_types:
        return (f"{table.qualified}'s columns differ between Odoo and the warehouse: run `hybrid replication "
                f"sync-schema --env {env}`")
    return None


def verify(endpoints: Endpoints, config: ReplicationConfig, tables: list[ReplicatedTable] | None = None, *,
           sample: int | None = None, repair: bool = False, range_rows: int = 10_000,
           progress: Progress = lambda _: None) -> VerifyReport:
    """Compare every (or each named) table; with `repair`, copy each differing table again and compare it
    once more. A range cannot be patched in place under a running subscription: the apply worker would
    replay changes the patch already holds (a duplicate insert stops it), so the re-copy goes through the
    subscription's own table sync, which starts from a snapshot matching its WAL position."""
    report = VerifyReport(endpoints.env, sample is not None)
    chosen = tables or list(config.tables)
    for table in chosen:
        report.tables.append(verify_table(endpoints, config, table, sample=sample, range_rows=range_rows,
                                          progress=progress))
    broken = [config.table(t.table) for t in report.tables if t.differences]
    if repair and broken:
        with endpoints.connect("source") as src, endpoints.connect("warehouse") as wh:
            recopy.require_running(wh, config, [t.qualified for t in broken], "differs from the source")
            report.repaired = [recopy.recopy_table(src, wh, config, table, progress) for table in broken]
        again = {t.qualified: verify_table(endpoints, config, t, range_rows=range_rows, progress=progress)
                 for t in broken}
        report.tables = [again.get(t.table, t) for t in report.tables]
    return report
