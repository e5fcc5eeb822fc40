"""One shape for a table, whichever side it comes from (a DBML file, a dbt contract, the live catalog), so
drift is a comparison of two values of the same type.

Types are spelt as Postgres's `format_type` prints them; a serial or identity column is its integer type
plus `generated`, so `bigserial` in DBML and `bigint DEFAULT nextval(...)` in the catalog are equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SERIAL, IDENTITY = "serial", "identity"
_ALIASES = {
    "int": "integer", "int4": "integer", "int8": "bigint", "int2": "smallint", "bool": "boolean",
    "float8": "double precision", "float4": "real", "float": "double precision", "decimal": "numeric",
    "timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone",
    "timetz": "time with time zone", "time": "time without time zone", "varchar": "character varying",
    "char": "character", "string": "text",
}
_SERIALS = {"serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
            "smallserial": "smallint", "serial2": "smallint"}
# how each integer type is spelt when it is serial (DDL and DBML both write it so)
SERIAL_SPELLING = {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}
# What a declared type may look like: a name, an optional size, an optional array suffix. A declaration is
# code from the repository, but its types are still spelt into DDL, so anything else is refused.
TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_ ]*(\(\d+(,\d+)?\))?(\[\])?$")


def spelt_type(column_type: str, generated: str | None) -> str:
    """How a column's type is written in DDL or DBML: `bigserial` for a serial bigint."""
    return SERIAL_SPELLING.get(column_type, column_type) if generated == SERIAL else column_type


def canonical_type(spelt: str) -> tuple[str, str | None]:
    """(Postgres's spelling, 'serial' or None) of a type as a user writes it: `timestamptz`, `varchar(20)`,
    `numeric(12, 1)`, `bigserial`."""
    text = re.sub(r"\s*,\s*", ",", re.sub(r"\s+", " ", spelt.strip().lower().strip('"')))
    if text in _SERIALS:
        return _SERIALS[text], SERIAL
    match = re.match(r"^([a-z0-9_ ]+?)\s*(\(\d+(?:,\d+)?\))?(\[\])?$", text)
    if not match:
        return text, None
    name, size, array = match.group(1), match.group(2) or "", match.group(3) or ""
    name = _ALIASES.get(name, name)
    if size and name.startswith(("timestamp ", "time ")):  # timestamp(3) with time zone
        head, _, tail = name.partition(" ")
        return f"{head}{size} {tail}{array}", None
    return f"{name}{size}{array}", None


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool | None = True  # None: the declaration does not say (a dbt contract without not_null)
    default: str | None = None  # an SQL expression as Postgres prints it; None for serial and identity
    generated: str | None = None  # SERIAL, IDENTITY or None
    note: str = ""


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    target: str  # schema.table
    target_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]  # column names or expressions, as Postgres prints them (`id DESC`)
    unique: bool = False
    where: str | None = None  # a partial index's predicate


@dataclass(frozen=True)
class Policy:
    name: str
    command: str  # SELECT, ALL, ...
    using: str | None = None  # None in a declaration: any condition


@dataclass
class Table:
    schema: str
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    uniques: frozenset[tuple[str, ...]] = frozenset()
    foreign_keys: frozenset[ForeignKey] = frozenset()
    indexes: dict[str, Index] = field(default_factory=dict)
    rls: bool = False
    policies: dict[str, Policy] = field(default_factory=dict)
    note: str = ""
    source: str = ""  # where the declaration is: a DBML file and line, or a dbt model
    kind: str = "table"  # table or view (a view has columns and nothing else)
    strict: bool = True  # False for a dbt contract: columns, types and RLS only (dbt owns the rest)
    constraint_names: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)  # live: what to drop

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"
