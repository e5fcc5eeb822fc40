"""What each slash command does, run inside a Dagster run (`chat_command`): the same library functions as
`hybrid drift-plan`, `plan`, `health` and `export`. Each returns the text posted back to the channel and the
structured result recorded with the run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dagster_project.config.matrix import load_matrix
from dagster_project.health.checks import check_environment, healthy
from dagster_project.superset import control
from dagster_project.superset.branches import create_on_branch, export_to_branch

CHAT_JOB = "chat_command"  # the Dagster job that runs one command (webhooks/defs.py)
MAX_LINES = 40  # a reply longer than this is cut; the run's metadata keeps all of it


@dataclass(frozen=True)
class Reply:
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    ok: bool = True


def _envs(args: list[str], default: str) -> list[str]:
    matrix = load_matrix()
    if args and args[0] == "all":
        return list(matrix.environments)
    return [matrix.resolve(args[0] if args else default).name]


def _cut(lines: list[str]) -> str:
    if len(lines) <= MAX_LINES:
        return "\n".join(lines)
    return "\n".join([*lines[:MAX_LINES], f"... {len(lines) - MAX_LINES} more lines in the Dagster run"])


def drift_check(args: list[str], env: str, user: str) -> Reply:
    reports, lines = [], []
    for name in _envs(args, env):
        report = control.drift(control.environment(name))
        reports.append(report.to_json())
        lines += [f"**{name}: {report.status}**", "```", report.text(), "```"]
    return Reply(_cut(lines), {"reports": reports}, ok=True)


def plan(args: list[str], env: str, user: str) -> Reply:
    environment = control.environment(_envs(args, env)[0])
    result = control.plan(environment, control.build(environment))
    return Reply(_cut([f"**Plan for {environment.name}**", "```", *result.text().splitlines(), "```"]),
                 result.to_json())


def health(args: list[str], env: str, user: str) -> Reply:
    environment = control.environment(_envs(args, env)[0])
    results = check_environment(environment)
    ok = healthy(results)
    lines = [f"**Health of {environment.name}: {'healthy' if ok else 'UNHEALTHY'}**",
             *(f"- {r.service} {r.check}: {r.status} ({r.detail})" for r in results)]
    return Reply("\n".join(lines), {"healthy": ok, "checks": [r.as_dict() for r in results]}, ok=ok)


def export_dashboard(args: list[str], env: str, user: str) -> Reply:
    if not args:
        raise ValueError("which dashboard? e.g. /export-dashboard ar-aging local")
    environment = control.environment(args[1] if len(args) > 1 else env)
    result = export_to_branch(environment, args[0], user)
    lines = [f"Exported **{args[0]}** from {environment.name} to branch `{result['branch']}` "
             f"(commit {result['commit'][:12]}):", *(f"- {f}" for f in result["files"]),
             *(f"- skipped {s['kind']} {s['title']}: {s['reason']}" for s in result["skipped"]),
             "Plan of that branch:", "```", *result["plan_text"].splitlines(), "```"]
    return Reply(_cut(lines), result)


def create_dashboard(args: list[str], env: str, user: str) -> Reply:
    words = " ".join(args).strip()
    if not words:
        raise ValueError("what should it show? e.g. /create-dashboard ar aging by partner")
    result = create_on_branch(control.environment(env), words, user)
    lines = [f"Dashboard **{result['dashboard']['title']}** on {result['env']}: {result['dashboard']['url']}",
             f"From warehouse.{result['mart']}: {', '.join(result['measures'])} by {result['dimension']}.",
             f"Branch `{result['branch']}` (commit {result['commit'][:12]}):", *(f"- {f}" for f in result["files"]),
             result["applied"]]
    return Reply("\n".join(lines), result)


WORK: dict[str, Callable[[list[str], str, str], Reply]] = {
    "drift-check": drift_check, "plan": plan, "health": health, "export-dashboard": export_dashboard,
    "create-dashboard": create_dashboard,
}
