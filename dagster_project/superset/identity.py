"""Who owns an object and what it is called: the UUID namespace, per-object UUIDs and the ownership marker.

A small module at the bottom of the package, so the bundle, the security state and adoption all use one
definition without importing each other.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

NAMESPACE = uuidlib.uuid5(uuidlib.NAMESPACE_URL, "https://hybrid-platform/superset_assets")
BINDINGS = "uuids"  # a template's `uuids: {<namespace>: <uuid>}`: the live object `hybrid export` bound it to


def marker(env: str) -> str:
    """The ownership marker (certification details, readable in every list call) for `env`."""
    return f"managed as code by hybrid (superset_assets, env {env}); UI edits are overwritten"


def object_uuid(env: str, kind: str, name: str) -> str:
    return str(uuidlib.uuid5(NAMESPACE, f"{env}/{kind}/{name}"))


def security_uuid(namespace: str, kind: str, logical: str) -> str:
    """Roles and RLS filters have no UUID in Superset: this one names them in plans and drift reports."""
    return str(uuidlib.uuid5(NAMESPACE, f"{namespace}/{kind}/{logical}"))


def bound_uuid(namespace: str, kind: str, name: str, spec: dict[str, Any]) -> str:
    """The UUID of an adopted object in the namespace it was adopted in, else the derived one."""
    found = (spec.get(BINDINGS) or {}).get(namespace)
    return str(found) if found else object_uuid(namespace, kind, name)
