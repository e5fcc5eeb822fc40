"""Health of one environment: Odoo `/web/login`, warehouse `SELECT 1`, Superset `/health`, Superset
metadata DB (the seed's `make instance-health-<env>`).

A check that cannot apply (the generated local Odoo has no web server) is `skipped`, distinct from a
failure; a missing variable is a failure that names the variable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

import httpx
import psycopg

from dagster_project.config import database
from dagster_project.config.matrix import Environment, MissingVariable, runtime_environ
from dagster_project.config.redact import mask_dsn

OK, FAILED, SKIPPED = "ok", "failed", "skipped"


@dataclass(frozen=True)
class CheckResult:
    service: str
    check: str
    status: str
    target: str | None
    detail: str
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def check_environment(env: Environment, environ: Mapping[str, str] | None = None,
                      timeout: float = 5.0) -> list[CheckResult]:
    environ = runtime_environ() if environ is None else environ
    return [
        _odoo_web(env, timeout),
        _sql(env, "odoo", "db_url", "database", environ, timeout),
        _sql(env, "supabase", "ops_url", "warehouse", environ, timeout),
        _superset_web(env, environ, timeout),
        _sql(env, "superset", "meta_db_url", "metadata database", environ, timeout),
    ]


def healthy(results: list[CheckResult]) -> bool:
    return all(result.status != FAILED for result in results)


def _odoo_web(env: Environment, timeout: float) -> CheckResult:
    path = env.odoo.health.get("web_path", "/web/login")
    if not env.odoo.url:
        return CheckResult("odoo", "web", SKIPPED, None,
                           "no Odoo web server configured for this environment (the generated local Odoo "
                           "database has none); its database is checked instead", 0.0)
    return _http("odoo", env.odoo.url.rstrip("/") + path, lambda r: r.status_code == 200, timeout)


def _superset_web(env: Environment, environ: Mapping[str, str], timeout: float) -> CheckResult:
    try:
        base = env.value("superset", "url", environ)
    except MissingVariable as exc:
        base = env.superset.url
        if not base:
            return CheckResult("superset", "web", FAILED, None, str(exc), 0.0)
    path = env.superset.health.get("web_path", "/health")
    return _http("superset", base.rstrip("/") + path,
                 lambda r: r.status_code == 200 and r.text.strip() == "OK", timeout)


def _http(service: str, url: str, accept: Callable[[httpx.Response], bool], timeout: float) -> CheckResult:
    started = time.monotonic()
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as exc:
        return CheckResult(service, "web", FAILED, url, f"{type(exc).__name__}: {exc}",
                           time.monotonic() - started)
    ok = accept(response)
    detail = f"HTTP {response.status_code}" + ("" if ok else f": {response.text[:120]!r}")
    return CheckResult(service, "web", OK if ok else FAILED, url, detail, time.monotonic() - started)


def _sql(env: Environment, service: str, purpose: str, label: str, environ: Mapping[str, str],
         timeout: float) -> CheckResult:
    try:
        dsn = env.value(service, purpose, environ)
    except MissingVariable as exc:
        return CheckResult(service, label, FAILED, None, str(exc), 0.0)
    query = env.services[service].health.get("sql", "SELECT 1")
    started = time.monotonic()
    try:
        with database.connect(dsn, source=env.origin(service, purpose, environ),
                              connect_timeout_s=max(1, int(timeout)), statement_timeout_s=max(1.0, timeout)) as conn:
            conn.execute(query)  # type: ignore[arg-type]  # the matrix's own health query
    except database.DatabaseUnavailable as exc:  # names the variable, the cause and the fix
        return CheckResult(service, label, FAILED, mask_dsn(dsn), "; ".join(str(exc).splitlines()),
                           time.monotonic() - started)
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return CheckResult(service, label, FAILED, mask_dsn(dsn),
                           f"{first_line} ({env.origin(service, purpose, environ)})", time.monotonic() - started)
    return CheckResult(service, label, OK, mask_dsn(dsn), query, time.monotonic() - started)
