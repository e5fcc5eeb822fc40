"""The instance matrix: which Odoo, warehouse and Superset each environment uses.

Connection strings and credentials are never in the file; each block names the environment
variables that hold them. Errors name the file, the key and the variable so they can be fixed
without reading code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dagster_project import paths
from dagster_project.config.dotenv import read_env_file

SERVICES = ("odoo", "supabase", "superset")
REQUIRED_VARIABLES = {
    "odoo": ("db_url",),
    "supabase": ("db_url", "dbt_url", "ocr_url", "ops_url"),
    "superset": ("url", "admin_user", "admin_pass", "meta_db_url"),
}


class MatrixError(Exception):
    """The matrix file is malformed or names an environment that does not exist."""


class MissingVariable(MatrixError):
    """An environment variable the matrix names is not set."""

    def __init__(self, env: str, service: str, purpose: str, names: tuple[str, ...], source: Path):
        self.env, self.service, self.purpose, self.names = env, service, purpose, names
        wanted = " or ".join(names)
        hint = "run `hybrid stack up` (it writes .env.local)" if env == "local" else f"export {names[0]}=..."
        super().__init__(
            f"environment '{env}': {service} {purpose} is read from {wanted}, which is not set "
            f"(key environments.{env}.{service}.env.{purpose} in {source}); fix: {hint}"
        )


@dataclass(frozen=True)
class Service:
    name: str
    role: str
    url: str | None
    database: str | None
    variables: Mapping[str, tuple[str, ...]]
    health: Mapping[str, str]
    schemas: tuple[str, ...] = ()


@dataclass(frozen=True)
class Environment:
    name: str
    description: str
    protected: bool
    services: Mapping[str, Service]
    source: Path
    deploy_branch: str = "main"  # the branch a protected environment is applied from

    @property
    def odoo(self) -> Service:
        return self.services["odoo"]

    @property
    def supabase(self) -> Service:
        return self.services["supabase"]

    @property
    def superset(self) -> Service:
        return self.services["superset"]

    def value(self, service: str, purpose: str, environ: Mapping[str, str] | None = None) -> str:
        """The value of the first set variable for `service`/`purpose`, or MissingVariable."""
        names = self.services[service].variables[purpose]
        environ = runtime_environ() if environ is None else environ
        for name in names:
            if environ.get(name):
                return environ[name]
        raise MissingVariable(self.name, service, purpose, names, self.source)

    def origin(self, service: str, purpose: str, environ: Mapping[str, str] | None = None) -> str:
        """Where `value` reads from, for error messages: "environment 'local', variable ODOO_DB_URL_LOCAL"."""
        names = self.services[service].variables[purpose]
        environ = runtime_environ() if environ is None else environ
        name = next((n for n in names if environ.get(n)), names[0])
        return f"environment '{self.name}', variable {name}"

    def optional_value(self, service: str, purpose: str, environ: Mapping[str, str] | None = None) -> str | None:
        try:
            return self.value(service, purpose, environ)
        except MissingVariable:
            return None


@dataclass(frozen=True)
class InstanceMatrix:
    source: Path
    environments: Mapping[str, Environment]
    aliases: Mapping[str, str] = field(default_factory=dict)

    def resolve(self, name: str) -> Environment:
        """Look an environment up by name or alias (`dev`, `prod`)."""
        canonical = self.aliases.get(name, name)
        if canonical not in self.environments:
            known = ", ".join([*self.environments, *(f"{a} (= {t})" for a, t in self.aliases.items())])
            raise MatrixError(f"unknown environment '{name}' in {self.source}; known: {known}")
        return self.environments[canonical]


def runtime_environ() -> dict[str, str]:
    """Process environment over `.env.local`: what the stack wrote, unless the caller overrides it."""
    return {**read_env_file(paths.env_file()), **os.environ}


def load_matrix(path: Path | None = None) -> InstanceMatrix:
    source = Path(path or paths.matrix_file())
    try:
        document = yaml.safe_load(source.read_text())
    except FileNotFoundError as exc:
        raise MatrixError(f"instance matrix not found: {source}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else str(source)
        raise MatrixError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    root = _mapping(document, "", source)
    environments = _mapping(root.get("environments"), "environments", source)
    if not environments:
        raise MatrixError(f"{source}: key 'environments' must define at least one environment")
    aliases = {str(k): str(v) for k, v in _mapping(root.get("aliases") or {}, "aliases", source).items()}
    for alias, target in aliases.items():
        if target not in environments:
            raise MatrixError(f"{source}: aliases.{alias} points at unknown environment '{target}'")
    return InstanceMatrix(
        source=source,
        environments={name: _environment(name, body, source) for name, body in environments.items()},
        aliases=aliases,
    )


def _environment(name: str, body: Any, source: Path) -> Environment:
    block = _mapping(body, f"environments.{name}", source)
    services = {svc: _service(name, svc, block.get(svc), source) for svc in SERVICES}
    return Environment(
        name=name,
        description=str(block.get("description", "")),
        protected=bool(block.get("protected", False)),
        services=services,
        source=source,
        deploy_branch=str(block.get("deploy_branch") or "main"),
    )


def _service(env: str, svc: str, body: Any, source: Path) -> Service:
    key = f"environments.{env}.{svc}"
    block = _mapping(body, key, source)
    role = block.get("role")
    if not isinstance(role, str) or not role:
        raise MatrixError(f"{source}: key {key}.role is missing or not a string")
    raw_vars = _mapping(block.get("env"), f"{key}.env", source)
    variables: dict[str, tuple[str, ...]] = {}
    for purpose, names in raw_vars.items():
        names = (names,) if isinstance(names, str) else tuple(names or ())
        if not names or not all(isinstance(n, str) and n.isidentifier() for n in names):
            raise MatrixError(f"{source}: key {key}.env.{purpose} must name one or more environment variables")
        variables[str(purpose)] = names
    for purpose in REQUIRED_VARIABLES[svc]:
        if purpose not in variables:
            raise MatrixError(f"{source}: key {key}.env.{purpose} is missing (the variable holding it)")
    return Service(
        name=svc,
        role=role,
        url=block.get("url"),
        database=block.get("database"),
        variables=variables,
        health={str(k): str(v) for k, v in _mapping(block.get("health") or {}, f"{key}.health", source).items()},
        schemas=tuple(block.get("schemas") or ()),
    )


def _mapping(value: Any, key: str, source: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MatrixError(f"{source}: key '{key or '<root>'}' must be a mapping, got {type(value).__name__}")
    return value
