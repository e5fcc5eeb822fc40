"""`hybrid promote --chain local,staging,production`: the same code through each environment in turn.

Per environment: compile, validate, drift-plan, plan, apply. Drift stops the chain before anything is
applied there (somebody changed that instance by hand: adopt it with `hybrid export` or overwrite it with
`hybrid apply` deliberately); a protected environment needs the approval passed to promote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dagster_project.config.matrix import Environment
from dagster_project.superset import control
from dagster_project.superset.bundle import Bundle
from dagster_project.superset.drift import DRIFT_FOUND

Progress = Callable[[str], None]


@dataclass
class Step:
    env: str
    status: str  # applied (or planned, for an agent), drift, skipped
    drift: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None


@dataclass
class Promotion:
    chain: list[str]
    steps: list[Step] = field(default_factory=list)

    @property
    def stopped_at(self) -> str | None:
        return next((step.env for step in self.steps if step.status == "drift"), None)

    def to_json(self) -> dict[str, Any]:
        return {"chain": self.chain, "stopped_at": self.stopped_at,
                "steps": [{"env": s.env, "status": s.status, "drift": s.drift, "plan": s.plan} for s in self.steps]}


def promote(chain: list[str], *, approve: bool = False, prune: bool = False,
            progress: Progress = lambda _: None) -> Promotion:
    def apply(env: Environment, bundle: Bundle) -> Step:
        plan = control.plan(env, bundle)
        progress(f"[{env.name}] {plan.summary()}")
        control.apply(env, bundle, prune=prune, approve=approve, progress=progress)
        return Step(env.name, "applied", plan=plan.to_json())

    return walk(chain, apply, progress)


def walk(chain: list[str], advance: Callable[[Environment, Bundle], Step],
         progress: Progress = lambda _: None) -> Promotion:
    """The chain in order: compile, validate and drift-plan each environment, stop at the first with drift,
    else `advance` it (apply it, or only plan it: the MCP server hands out a plan id per environment)."""
    result = Promotion(chain)
    for name in chain:
        env = control.environment(name)
        progress(f"[{env.name}] compile and validate")
        bundle = control.build(env)
        progress(f"[{env.name}] drift-plan")
        report = control.drift(env)
        if report.status == DRIFT_FOUND:
            progress(f"[{env.name}] drift found: stopping the chain ({len(report.changes)} object(s))")
            result.steps.append(Step(env.name, "drift", drift=report.to_json()))
            result.steps += [Step(rest, "skipped") for rest in chain[chain.index(name) + 1:]]
            return result
        step = advance(env, bundle)
        step.drift = report.to_json()
        result.steps.append(step)
    return result
