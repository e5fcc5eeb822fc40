"""What to replicate (config/replication.yaml) and where (the instance matrix's variables).

Errors name the file and key, like the instance matrix's: they are configuration errors (exit 3).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import yaml
from psycopg import sql

from dagster_project import paths
from dagster_project.config import database
from dagster_project.config.matrix import Environment, MatrixError


class ReplicationConfigError(MatrixError):
    """config/replication.yaml is malformed."""


class ReplicationError(Exception):
    """A database is not in a state replication can work with; the message names it and the fix."""

    def __init__(self, cause: str, fix: str):
        self.cause, self.fix = cause, fix
        super().__init__(f"{cause}\n  fix: {fix}")


@dataclass(frozen=True)
class ReplicatedTable:
    schema: str
    name: str
    model: str
    field: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def ident(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.name)

    @property
    def is_link(self) -> bool:
        """A many2many link table (it belongs to a field of `model`, not to a model of its own)."""
        return self.field is not None


@dataclass(frozen=True)
class ReplicationConfig:
    publication: str
    subscription: str
    lag_threshold_seconds: float
    initial_sync_timeout_seconds: float
    tables: tuple[ReplicatedTable, ...]

    @property
    def slot(self) -> str:
        """The subscription's replication slot on the Odoo server carries the subscription's name."""
        return self.subscription

    def table(self, qualified: str) -> ReplicatedTable:
        return {t.qualified: t for t in self.tables}[qualified]


@dataclass(frozen=True)
class Endpoints:
    """The three connections replication needs; every one comes from an environment variable."""

    env: str
    source: str  # the Odoo database as its owner: publication, replica identity, grants
    replication: str  # the subscription's own connection (a LOGIN REPLICATION role, SELECT on the tables)
    warehouse: str  # the warehouse as a role that may create subscriptions
    sources: Mapping[str, str] = field(default_factory=dict)  # field -> where it was read, for errors

    @classmethod
    def from_environment(cls, env: Environment) -> Endpoints:
        where = {"source": ("odoo", "db_url"), "replication": ("odoo", "replication_url"),
                 "warehouse": ("supabase", "db_url")}
        return cls(env.name, *(env.value(*where[f]) for f in ENDPOINTS),
                   sources={f: env.origin(*where[f]) for f in ENDPOINTS})

    def connect(self, which: str, *, autocommit: bool = True,
                statement_timeout_s: float = database.STATEMENT_TIMEOUT_S) -> psycopg.Connection:
        """One of the three connections, bounded; errors name the environment and variable it came from."""
        source = self.sources.get(which, f"environment '{self.env}', the {which} connection string")
        return database.connect(getattr(self, which), source=source, autocommit=autocommit,
                                statement_timeout_s=statement_timeout_s)


ENDPOINTS = ("source", "replication", "warehouse")


def config_path() -> Path:
    return Path(os.environ.get("HYBRID_REPLICATION_CONFIG", paths.PROJECT_ROOT / "config" / "replication.yaml"))


def load_config(path: Path | None = None) -> ReplicationConfig:
    source = Path(path or config_path())
    try:
        document = yaml.safe_load(source.read_text())
    except FileNotFoundError as exc:
        raise ReplicationConfigError(f"replication config not found: {source}") from exc
    except yaml.YAMLError as exc:
        raise ReplicationConfigError(f"{source}: invalid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise ReplicationConfigError(f"{source}: expected a mapping at the top level")
    tables = document.get("tables")
    if not isinstance(tables, dict) or not tables:
        raise ReplicationConfigError(f"{source}: key 'tables' must map each table to its Odoo model")
    return ReplicationConfig(
        publication=_name(document, "publication", source),
        subscription=_name(document, "subscription", source),
        lag_threshold_seconds=_number(document, "lag_threshold_seconds", 60, source),
        initial_sync_timeout_seconds=_number(document, "initial_sync_timeout_seconds", 1800, source),
        tables=_unique(tuple(_table(key, value, source) for key, value in tables.items()), source),
    )


def _table(key: Any, value: Any, source: Path) -> ReplicatedTable:
    schema, dot, name = str(key).partition(".")
    if not dot or not schema or not name:
        raise ReplicationConfigError(f"{source}: tables.{key}: write the table as schema.table (public.{key})")
    if isinstance(value, str) and value:
        return ReplicatedTable(schema, name, value)
    if isinstance(value, dict) and isinstance(value.get("model"), str) and isinstance(value.get("field"), str):
        return ReplicatedTable(schema, name, value["model"], value["field"])
    raise ReplicationConfigError(
        f"{source}: tables.{key}: expected an Odoo model (account.move) or, for a many2many link table, "
        "{model: account.move.line, field: tax_ids}")


def _unique(tables: tuple[ReplicatedTable, ...], source: Path) -> tuple[ReplicatedTable, ...]:
    """Asset keys are odoo/<table>, so a table name may appear in one schema only."""
    seen: dict[str, str] = {}
    for table in tables:
        if table.name in seen:
            raise ReplicationConfigError(f"{source}: tables {seen[table.name]} and {table.qualified} would both "
                                         f"be the asset odoo/{table.name}; replicate one of them")
        seen[table.name] = table.qualified
    return tables


def _name(document: dict[str, Any], key: str, source: Path) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value.isidentifier() or value != value.lower():
        raise ReplicationConfigError(f"{source}: key '{key}' must be a lowercase identifier, got {value!r}")
    return value


def _number(document: dict[str, Any], key: str, default: float, source: Path) -> float:
    value = document.get(key, default)
    if not isinstance(value, int | float) or value <= 0:
        raise ReplicationConfigError(f"{source}: key '{key}' must be a positive number of seconds, got {value!r}")
    return float(value)
