"""Drift between a declared shape and the live one: what is missing, extra or changed, table by table, in the
`DRIFT_FOUND`/`NO_DRIFT` + `changes` form of Superset's drift-plan. Each change keeps the two shapes it came
from, so a migration is built from the same comparison that is reported."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dagster_project.warehouse.shape import Column, ForeignKey, Index, Policy, Table

DRIFT_FOUND, NO_DRIFT = "DRIFT_FOUND", "NO_DRIFT"
MISSING, EXTRA, CHANGED = "missing", "extra", "changed"


@dataclass(frozen=True)
class Change:
    type: str  # table, column, primary_key, unique, foreign_key, index, rls, policy
    action: str  # MISSING (declared, not live), EXTRA (live, not declared) or CHANGED
    table: str  # schema.table
    name: str  # what changed: the table, `table.column`, a key's columns, an index's name
    source: str  # the declaration: a DBML file or `dbt contract of <model>`
    fields: tuple[dict[str, Any], ...] = ()
    declared: Any = None  # the declared object (Table, Column, Index, ...), None when extra
    live: Any = None  # the live object, None when missing
    constraint: str | None = None  # the live constraint's name, for a key to drop

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "action": self.action, "table": self.table, "name": self.name,
                "source": self.source, "fields": list(self.fields)}

    def line(self) -> str:
        sign = {MISSING: "+", EXTRA: "-", CHANGED: "~"}[self.action]
        head = f"{sign} {self.type} {self.name} ({self.action}; declared in {self.source})"
        return head + "".join(f"\n    ~ {f['path']}: {f['expected']!r} -> {f['actual']!r}" for f in self.fields)


@dataclass
class SchemaDrift:
    env: str
    schemas: tuple[str, ...]
    changes: list[Change] = field(default_factory=list)
    tables: int = 0  # declared tables compared

    @property
    def status(self) -> str:
        return DRIFT_FOUND if self.changes else NO_DRIFT

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "env": self.env, "schemas": list(self.schemas), "tables": self.tables,
                "changes": [c.to_json() for c in self.changes]}

    def text(self) -> str:
        tail = (f"{self.status} in {self.env}: {len(self.changes)} change(s) in {', '.join(self.schemas)} "
                f"({self.tables} declared tables)")
        return "\n".join([*(c.line() for c in self.changes), tail])


def compare(declared: dict[str, Table], live: dict[str, Table], schemas: tuple[str, ...], env: str) -> SchemaDrift:
    """Every declared table of `schemas` against the live one, and every live table there nobody declared."""
    drift = SchemaDrift(env, schemas, tables=sum(t.schema in schemas for t in declared.values()))
    for name in sorted(set(declared) | set(live)):
        want, have = declared.get(name), live.get(name)
        if (want or have).schema not in schemas:
            continue
        if have is None:
            drift.changes.append(Change("table", MISSING, name, name, want.source, declared=want))
        elif want is None:
            drift.changes.append(Change("table", EXTRA, name, name, "nothing: not declared", live=have))
        else:
            drift.changes += _table(want, have)
    return drift


def _table(want: Table, have: Table) -> list[Change]:
    changes = _columns(want, have)
    if want.strict:
        changes += _keys(want, have) + _indexes(want, have)
    changes += _security(want, have)
    return changes


def _columns(want: Table, have: Table) -> list[Change]:
    changes = []
    for name in [*want.columns, *(c for c in have.columns if c not in want.columns)]:
        changes += _matched("column", want, f"{want.qualified}.{name}", want.columns.get(name),
                            have.columns.get(name), lambda a, b: _column_fields(a, b, want.strict))
    return changes


def _matched(kind: str, want: Table, label: str, declared: Any, live: Any,
             fields: Callable[[Any, Any], tuple[dict[str, Any], ...]]) -> list[Change]:
    """One declared object against its live namesake: missing, extra, changed (with `fields`) or equal."""
    if live is None:
        return [Change(kind, MISSING, want.qualified, label, want.source, declared=declared)]
    if declared is None:
        return [Change(kind, EXTRA, want.qualified, label, want.source, live=live)]
    found = fields(declared, live)
    return [Change(kind, CHANGED, want.qualified, label, want.source, found, declared, live)] if found else []


def _column_fields(a: Column, b: Column, strict: bool) -> tuple[dict[str, Any], ...]:
    compared = ["type", "nullable", *(("default", "generated") if strict else ())]
    return tuple({"path": f, "expected": getattr(a, f), "actual": getattr(b, f)} for f in compared
                 if getattr(a, f) is not None or f in ("default", "generated")
                 if getattr(a, f) != getattr(b, f))


def _keys(want: Table, have: Table) -> list[Change]:
    changes = []
    if want.primary_key != have.primary_key:
        action = MISSING if not have.primary_key else EXTRA if not want.primary_key else CHANGED
        fields = ({"path": "columns", "expected": list(want.primary_key), "actual": list(have.primary_key)},)
        changes.append(Change("primary_key", action, want.qualified, f"{want.qualified} primary key", want.source,
                              fields, want.primary_key or None, have.primary_key or None,
                              have.constraint_names.get(("p", have.primary_key))))
    for kind, code, wanted, found in (("unique", "u", want.uniques, have.uniques),
                                      ("foreign_key", "f", want.foreign_keys, have.foreign_keys)):
        for item in sorted(wanted - found, key=str):
            changes.append(Change(kind, MISSING, want.qualified, _key_name(want, item), want.source, declared=item))
        for item in sorted(found - wanted, key=str):
            columns = item.columns if isinstance(item, ForeignKey) else item
            changes.append(Change(kind, EXTRA, want.qualified, _key_name(want, item), want.source, live=item,
                                  constraint=have.constraint_names.get((code, columns))))
    return changes


def _key_name(table: Table, item: tuple[str, ...] | ForeignKey) -> str:
    if isinstance(item, ForeignKey):
        return (f"{table.qualified} ({', '.join(item.columns)}) -> {item.target} ({', '.join(item.target_columns)})"
                f" on delete {item.on_delete.lower()}")
    return f"{table.qualified} ({', '.join(item)})"


def _indexes(want: Table, have: Table) -> list[Change]:
    changes = []
    for name in sorted(set(want.indexes) | set(have.indexes)):
        changes += _matched("index", want, name, want.indexes.get(name), have.indexes.get(name),
                            lambda a, b: _fields(a, b, ("columns", "unique", "where")))
    return changes


def _security(want: Table, have: Table) -> list[Change]:
    changes = []
    if want.rls != have.rls:
        changes.append(Change("rls", CHANGED, want.qualified, f"{want.qualified} row-level security", want.source,
                              ({"path": "enabled", "expected": want.rls, "actual": have.rls},), want.rls, have.rls))
    for name in sorted(set(want.policies) | set(have.policies)):
        changes += _matched("policy", want, f"{want.qualified} policy {name}", want.policies.get(name),
                            have.policies.get(name),
                            lambda a, b: _fields(a, b, ("command", "using") if a.using is not None else ("command",)))
    return changes


def _fields(a: Index | Policy, b: Index | Policy, names: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    def plain(value: Any) -> Any:
        return list(value) if isinstance(value, tuple) else value

    return tuple({"path": f, "expected": plain(getattr(a, f)), "actual": plain(getattr(b, f))} for f in names
                 if getattr(a, f) != getattr(b, f))
