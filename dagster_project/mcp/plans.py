"""The gate in front of every apply an agent asks for: a plan id from `hybrid_plan`, at most 15 minutes
old, on the same code and the same live state, and for a protected environment an operator's approval
(`hybrid approve <plan_id>`, run outside the agent's reach: no tool can approve).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from dagster_project.config import database
from dagster_project.mcp.audit import SCHEMA, ensure_tables
from dagster_project.superset.live import LiveRow

MAX_AGE = dt.timedelta(minutes=15)
PLANS = sql.Identifier(SCHEMA, "agent_plans")


class PlanRefused(Exception):
    """The apply does not match a fresh, unchanged (and, where needed, approved) plan."""


@dataclass(frozen=True)
class StoredPlan:
    plan_id: str
    env: str
    created_at: dt.datetime
    bundle_hash: str
    live_fingerprint: str
    plan: dict[str, Any]
    approved_by: str | None
    applied_at: dt.datetime | None


def fingerprint(live: Iterable[LiveRow]) -> str:
    """What the live instance looked like: every object's uuid, changed_on and lock."""
    rows = sorted((row.kind, row.uuid, row.changed_on or "", str(row.locked)) for row in live)
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def save(dsn: str, env: str, plan: dict[str, Any], bundle_hash: str, live_fingerprint: str) -> StoredPlan:
    plan_id = str(uuid.uuid4())
    with database.connect(dsn, autocommit=True) as conn:
        ensure_tables(conn)
        conn.execute(sql.SQL("INSERT INTO {} (plan_id, env, bundle_hash, live_fingerprint, plan) "
                             "VALUES (%s, %s, %s, %s, %s)").format(PLANS),
                     (plan_id, env, bundle_hash, live_fingerprint, Jsonb(plan)))
    found = load(dsn, plan_id)
    assert found is not None
    return found


def load(dsn: str, plan_id: str) -> StoredPlan | None:
    try:
        uuid.UUID(plan_id)
    except ValueError:
        return None
    with database.connect(dsn, autocommit=True) as conn:
        ensure_tables(conn)
        row = conn.execute(sql.SQL("SELECT plan_id::text, env, created_at, bundle_hash, live_fingerprint, plan, "
                                   "approved_by, applied_at FROM {} WHERE plan_id = %s").format(PLANS),
                           (plan_id,)).fetchone()
    return StoredPlan(*row) if row else None


def approve(dsn: str, plan_id: str, by: str) -> StoredPlan:
    """The operator's approval of one plan (`hybrid approve`)."""
    stored = load(dsn, plan_id)
    if stored is None:
        raise PlanRefused(f"no plan {plan_id!r}; fix: copy the plan_id from the agent's hybrid_plan result")
    with database.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("UPDATE {} SET approved_by = %s, approved_at = now() WHERE plan_id = %s").format(PLANS),
                     (by, plan_id))
    return load(dsn, plan_id) or stored


def mark_applied(dsn: str, plan_id: str) -> None:
    with database.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("UPDATE {} SET applied_at = now() WHERE plan_id = %s").format(PLANS), (plan_id,))


def check(stored: StoredPlan | None, plan_id: str, env: str, protected: bool, bundle_hash: str,
          live_fingerprint: str, now: dt.datetime) -> StoredPlan:
    """The stored plan if an apply may go ahead, else PlanRefused naming the reason and the fix."""
    again = "fix: call hybrid_plan again and review its changes"
    if stored is None:
        raise PlanRefused(f"no plan {plan_id!r}: an apply names the plan_id hybrid_plan returned; "
                          "fix: call hybrid_plan first")
    if stored.env != env:
        raise PlanRefused(f"plan {plan_id} is for environment '{stored.env}', not '{env}'; {again}")
    if stored.applied_at is not None:
        raise PlanRefused(f"plan {plan_id} was applied already at {stored.applied_at.isoformat()}; {again}")
    age = now - stored.created_at
    if age > MAX_AGE:
        raise PlanRefused(f"plan {plan_id} is {age.total_seconds() / 60:.0f} minutes old (the limit is "
                          f"{MAX_AGE.total_seconds() / 60:.0f}); {again}")
    if stored.bundle_hash != bundle_hash:
        raise PlanRefused(f"the code changed since plan {plan_id} (bundle {stored.bundle_hash[:12]} -> "
                          f"{bundle_hash[:12]}); {again}")
    if stored.live_fingerprint != live_fingerprint:
        raise PlanRefused(f"the live Superset of '{env}' changed since plan {plan_id}; {again}")
    if protected and not stored.approved_by:
        raise PlanRefused(f"environment '{env}' is protected: plan {plan_id} needs an operator's approval, given "
                          f"outside the agent: `hybrid approve {plan_id} --env {env}`; then call hybrid_apply again")
    return stored
