"""Reading docker-compose.yml and .env the way Docker Compose does, without Docker: the `.env` syntax (comments,
quotes, `${VAR}` reusing earlier lines) and Compose's interpolation (`${VAR}`, `${VAR:-default}`,
`${VAR:?message}`, `$$` for a literal dollar)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from dagster_project import paths

ROOT = paths.PROJECT_ROOT
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
CADDYFILE = ROOT / "docker" / "caddy" / "Caddyfile"

_REFERENCE = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_BRACED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?$", re.S)


class MissingRequired(ValueError):
    """A `${VAR:?message}` met an unset or empty VAR: Compose stops with this message."""


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        if match.group("bare"):
            return variables.get(match.group("bare"), "")
        parsed = _BRACED.match(match.group("braced"))
        if parsed is None:
            raise ValueError(f"invalid interpolation {match.group(0)!r}")
        name, op, arg = parsed.group("name"), parsed.group("op"), parsed.group("arg") or ""
        value = variables.get(name)
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise MissingRequired(f"required variable {name} is missing a value: {arg}")
        if op in (":-", "-") and (value is None or (op == ":-" and value == "")):
            return interpolate(arg, variables)
        if op in (":+", "+"):
            return interpolate(arg, variables) if value else ""
        return value or ""

    return _REFERENCE.sub(substitute, text)


def referenced(text: str) -> dict[str, set[str]]:
    """Each variable a text interpolates, with the operators it is used with ('' for plain `${VAR}`)."""
    found: dict[str, set[str]] = {}
    for match in _REFERENCE.finditer(text):
        if match.group(0) == "$$":
            continue
        if match.group("bare"):
            found.setdefault(match.group("bare"), set()).add("")
            continue
        parsed = _BRACED.match(match.group("braced"))
        assert parsed is not None, match.group(0)
        found.setdefault(parsed.group("name"), set()).add(parsed.group("op") or "")
        found.update({k: found.get(k, set()) | v for k, v in referenced(parsed.group("arg") or "").items()})
    return found


def read_env_lines(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """KEY -> raw value text (quotes and interpolation untouched), in file order."""
    raw: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition("=")
        assert sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key), f"{path}:{number}: not KEY=VALUE: {line!r}"
        assert key not in raw, f"{path}:{number}: {key} is defined twice"
        raw[key] = value
    return raw


def resolve_env(raw: Mapping[str, str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Values as Compose reads a .env: single quotes literal, others interpolated with the lines above."""
    values: dict[str, str] = {}
    for key, text in raw.items():
        if overrides and key in overrides:
            values[key] = overrides[key]
        elif text.startswith("'") and text.endswith("'") and len(text) >= 2:
            values[key] = text[1:-1]
        else:
            unquoted = text[1:-1] if text.startswith('"') and text.endswith('"') and len(text) >= 2 \
                else text.split(" #", 1)[0].strip()
            values[key] = interpolate(unquoted, values)
    return values


def load_compose(variables: Mapping[str, str]) -> dict[str, Any]:
    """docker-compose.yml parsed (YAML anchors and merges resolved), every string interpolated."""
    return _interpolate_tree(yaml.safe_load(COMPOSE_FILE.read_text()), variables)


def raw_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _interpolate_tree(node: Any, variables: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, variables)
    if isinstance(node, list):
        return [_interpolate_tree(item, variables) for item in node]
    if isinstance(node, dict):
        return {key: _interpolate_tree(value, variables) for key, value in node.items()}
    return node


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's environment as a mapping (Compose accepts a mapping or a list of KEY=VALUE)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def postgres_url(url: str) -> dict[str, Any]:
    """Host, port, user, password, database and query parameters of a postgresql:// URL."""
    parts = urlsplit(url)
    return {"scheme": parts.scheme, "host": parts.hostname, "port": parts.port, "user": parts.username,
            "password": parts.password, "database": parts.path.lstrip("/"),
            "params": {k: v[-1] for k, v in parse_qs(parts.query).items()}}


def caddy_routes(text: str) -> dict[str, list[str]]:
    """Site address (e.g. `{$ODOO_HOSTNAME}`) -> the upstreams its reverse_proxy lines name."""
    routes: dict[str, list[str]] = {}
    site = None
    depth = 0
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        if depth == 0 and stripped.endswith("{"):
            site = stripped[:-1].strip() or None
        if site and stripped.startswith("reverse_proxy"):
            routes.setdefault(site, []).append(stripped.split()[-1])
        depth += stripped.count("{") - stripped.count("}")
        if depth == 0:
            site = None
    return routes
