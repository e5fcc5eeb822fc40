"""`hybrid health --env local` is healthy once the real Superset answers /health (the failing case, a
dead Superset port, is tests/health/test_health.py)."""

from __future__ import annotations

import os

from tests.health.test_health import by_check, run_health


def test_local_health_passes_with_superset_running(superset) -> None:
    env = {**os.environ, "SUPERSET_URL_LOCAL": superset.url}
    rc, report = run_health(env, "--env", "local")
    web = by_check(report)["superset", "web"]
    assert (web["status"], web["detail"], web["target"]) == ("ok", "HTTP 200", f"{superset.url}/health")
    assert report["healthy"] is True and rc == 0
