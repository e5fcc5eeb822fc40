"""Recording health checks in `ops.health_log` and deciding what to alert.

An alert is posted when the set of failing checks changes: a check that starts failing, with what else is
still failing, and the checks that recovered. A check that keeps failing is in every row of the log but
alerts once, so a long outage is one message, not one every 15 minutes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from psycopg import sql

from dagster_project.config import database
from dagster_project.config.matrix import Environment, InstanceMatrix
from dagster_project.health.checks import FAILED, CheckResult
from dagster_project.ops.state import HEALTH_LOG, SCHEMA, ensure_health_log

CheckKey = tuple[str, str, str]  # env, component, check


def configured_environments(matrix: InstanceMatrix, environ: Mapping[str, str], own: str) -> list[Environment]:
    """The environments this process can check: any of their matrix variables set, and always its own."""
    def configured(env: Environment) -> bool:
        return env.name == own or any(environ.get(name) for service in env.services.values()
                                      for names in service.variables.values() for name in names)

    return [env for env in matrix.environments.values() if configured(env)]


def previous_statuses(dsn: str, envs: list[str]) -> dict[CheckKey, str]:
    """Each check's status in its latest recorded row."""
    with database.connect(dsn, autocommit=True) as conn:
        ensure_health_log(conn)
        rows = conn.execute(sql.SQL(
            "SELECT DISTINCT ON (env, component, check_name) env, component, check_name, status FROM {} "
            "WHERE env = ANY(%s) ORDER BY env, component, check_name, id DESC"
        ).format(sql.Identifier(SCHEMA, HEALTH_LOG)), (envs,)).fetchall()
    return {(env, component, check): status for env, component, check, status in rows}


def record(dsn: str, run_id: str | None, results: Mapping[str, list[CheckResult]]) -> int:
    """One row per check; returns the number of rows written."""
    rows = [(run_id, env, r.service, r.check, r.status, r.target, r.detail, round(r.seconds * 1000, 1))
            for env, checks in results.items() for r in checks]
    with database.connect(dsn) as conn:
        ensure_health_log(conn)
        with conn.cursor() as cur:
            cur.executemany(sql.SQL(
                "INSERT INTO {} (run_id, env, component, check_name, status, target, detail, latency_ms) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)").format(sql.Identifier(SCHEMA, HEALTH_LOG)), rows)
    return len(rows)


@dataclass
class Changes:
    newly_failed: list[tuple[str, CheckResult]] = field(default_factory=list)
    still_failing: list[tuple[str, CheckResult]] = field(default_factory=list)
    recovered: list[tuple[str, CheckResult]] = field(default_factory=list)

    @property
    def alert(self) -> bool:
        return bool(self.newly_failed or self.recovered)


def changes(previous: Mapping[CheckKey, str], results: Mapping[str, list[CheckResult]]) -> Changes:
    found = Changes()
    for env, checks in results.items():
        for result in checks:
            before = previous.get((env, result.service, result.check))
            if result.status == FAILED:
                (found.still_failing if before == FAILED else found.newly_failed).append((env, result))
            elif before == FAILED:
                found.recovered.append((env, result))
    return found


def alert_message(found: Changes, recorded_in: str, run_link: str) -> str:
    def line(env: str, result: CheckResult) -> str:
        target = f" ({result.target})" if result.target else ""
        detail = (result.detail.splitlines() or [""])[0][:300]
        return f"{env} {result.service} {result.check}{target}: {detail}"

    lines = [f"**Instance health** (recorded in {recorded_in}.ops.health_log): "
             f"{len(found.newly_failed)} check(s) started failing, {len(found.recovered)} recovered"]
    lines += [f"- FAILED {line(env, r)}" for env, r in found.newly_failed]
    lines += [f"- still failing: {line(env, r)}" for env, r in found.still_failing]
    lines += [f"- recovered: {env} {r.service} {r.check} ({r.status})" for env, r in found.recovered]
    lines.append(f"Run: {run_link}")
    return "\n".join(lines)
