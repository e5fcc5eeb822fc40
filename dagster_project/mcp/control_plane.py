"""The dashboards-as-code cycle as tools: compile, validate, plan (which hands out a plan id), apply (which
takes it), drift. Code stays the source of truth: an agent changes templates, a plan shows the change,
and only an apply that names a fresh, unchanged plan reaches Superset."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated, Any

from pydantic import Field

from dagster_project.config.matrix import Environment
from dagster_project.mcp import plans
from dagster_project.mcp.audit import record_deployment
from dagster_project.mcp.context import Context, EnvArg, ToolSpec
from dagster_project.superset import control
from dagster_project.superset.bundle import Bundle, default_out_dir
from dagster_project.superset.live import LiveRow
from dagster_project.superset.promote import Step, walk

PlanId = Annotated[str, Field(description="The plan_id hybrid_plan returned (valid 15 minutes, for unchanged code "
                                          "and live state).")]


def _pinned(bundle: Bundle, live: dict[str, LiveRow]) -> str:
    """The fingerprint of the live objects a plan is about: the bundle's and this namespace's managed ones."""
    wanted = bundle.by_uuid()
    return plans.fingerprint(row for row in live.values() if row.uuid in wanted or row.managed_env == bundle.env)


def stored_plan(environment: Environment, bundle: Bundle | None = None) -> dict[str, Any]:
    """A plan, kept in ops.agent_plans with what it was made from, and its id."""
    bundle = bundle or control.build(environment)
    live = control.live_rows(environment)
    planned = control.plan(environment, bundle, live).to_json()
    stored = plans.save(control.state_dsn(environment), environment.name, planned, bundle.digest(),
                        _pinned(bundle, live))
    return {**planned, "plan_id": stored.plan_id, "expires_at": (stored.created_at + plans.MAX_AGE).isoformat(),
            "needs_approval": environment.protected}


def tools(ctx: Context) -> list[ToolSpec]:
    def hybrid_compile(env: EnvArg = None) -> dict[str, Any]:
        """Render superset_assets/ into the deterministic, validated import bundle of an environment."""
        environment = ctx.environment(env)
        bundle = control.build(environment)
        archive = bundle.write(default_out_dir())
        return {"env": environment.name, "zip": str(archive), "sha256": bundle.digest(),
                "objects": {k: len(bundle.of(k)) for k in ("database", "dataset", "chart", "dashboard")}}

    def hybrid_validate(env: EnvArg = None) -> dict[str, Any]:
        """Check the templates without Superset: required fields, references, columns against the dbt marts."""
        environment = ctx.environment(env)
        try:
            control.build(environment, resolve_uri=False)
        except control.ValidationFailed as exc:
            return {"env": environment.name, "valid": False, "problems": [str(p) for p in exc.problems]}
        return {"env": environment.name, "valid": True, "problems": []}

    def hybrid_plan(env: EnvArg = None) -> dict[str, Any]:
        """What applying the code would change in Superset (+ create, ~ update with fields, - delete, > adopt).
        Returns a plan_id: hybrid_apply needs it within 15 minutes, with code and Superset unchanged."""
        return stored_plan(ctx.environment(env))

    def hybrid_promote(
            chain: Annotated[list[str], Field(min_length=1, description="Environments in order, e.g. "
                                                                        "[\"local\", \"staging\", \"production\"].")],
    ) -> dict[str, Any]:
        """Take the same code through environments in order: drift-check each and plan it, stopping at the first
        with drift. Applies nothing: apply each plan_id in turn with hybrid_apply (production after approval)."""
        for name in chain:
            ctx.environment(name)  # every name resolves before anything is planned
        return walk(chain, lambda environment, bundle: Step(environment.name, "planned",
                                                            plan=stored_plan(environment, bundle))).to_json()

    def applied(plan_id: str, env: str | None, compiled: str | None = None) -> dict[str, Any]:
        environment = ctx.environment(env)
        dsn = control.state_dsn(environment)
        bundle = control.build(environment)
        if compiled is not None and compiled != bundle.digest():
            raise plans.PlanRefused(f"the code no longer builds the bundle {compiled[:12]}… (it builds "
                                    f"{bundle.digest()[:12]}…): superset_assets changed since hybrid_compile; fix: "
                                    "hybrid_compile and hybrid_plan again")
        live = control.live_rows(environment)
        stored = plans.check(plans.load(dsn, plan_id), plan_id, environment.name, environment.protected,
                             bundle.digest(), _pinned(bundle, live), dt.datetime.now(dt.UTC))
        result = control.apply(environment, bundle, approve=bool(stored.approved_by), live=live,
                               progress=lambda message: print(message, file=sys.stderr))
        plans.mark_applied(dsn, plan_id)
        record_deployment(dsn, environment.name, plan_id, result.plan.to_json()["changes"], ctx.caller,
                          result.bundle_hash)
        return {**result.to_json(), "plan_id": plan_id, "approved_by": stored.approved_by}

    def hybrid_apply(plan_id: PlanId, env: EnvArg = None) -> dict[str, Any]:
        """Apply the code to Superset exactly as planned. Refused without a plan id, with an old one, when code
        or Superset changed since, and in a protected environment without an operator's `hybrid approve`."""
        return applied(plan_id, env)

    def superset_apply_bundle(
            bundle_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="The sha256 hybrid_compile "
                                                                                      "returned for the bundle.")],
            plan_id: PlanId, env: EnvArg = None) -> dict[str, Any]:
        """Import the bundle hybrid_compile built into Superset, named by its sha256, under the same gate as
        hybrid_apply: refused when the code no longer builds that bundle or the plan does not hold."""
        return applied(plan_id, env, compiled=bundle_sha256)

    def hybrid_drift_detect(env: EnvArg = None) -> dict[str, Any]:
        """Changes made in Superset outside the code since the last apply (the drift-plan JSON)."""
        return control.drift(ctx.environment(env)).to_json()

    return [ToolSpec("hybrid_compile", hybrid_compile), ToolSpec("hybrid_validate", hybrid_validate),
            ToolSpec("hybrid_plan", hybrid_plan), ToolSpec("hybrid_promote", hybrid_promote),
            ToolSpec("hybrid_apply", hybrid_apply, writes=True),
            ToolSpec("superset_apply_bundle", superset_apply_bundle, writes=True),
            ToolSpec("hybrid_drift_detect", hybrid_drift_detect)]
