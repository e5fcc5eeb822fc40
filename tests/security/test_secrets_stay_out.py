"""No secret in any log, event or error message: the failing paths (Superset answering 500 or refusing a
password, a wrong database password, Mattermost down) run for real through the `hybrid` CLI and a Dagster run,
and their stdout, stderr, logs and Dagster events are searched for every secret involved.

The Superset that answers 500 and echoes what it was sent is a small HTTP server: a real Superset cannot be
made to fail that way on demand, and a proxy's error page that repeats the request is what this guards against.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dagster import DagsterInstance, Definitions, build_sensor_context

from dagster_project.ocr.defs import ocr_definitions
from dagster_project.ocr.sensors import SENSOR_NAME
from dagster_project.ocr.settings import load_settings
from dagster_project.resources.postgres import PostgresResource, current_environment
from dagster_project.stack.local import LocalStack
from dagster_project.stack.scratch import free_port
from tests.ocr.helpers import drop, execute, invoice

HYBRID = [sys.executable, "-m", "dagster_project.cli"]
PASSWORD = "Sup3rset-admin-pw"
ACCESS_TOKEN = "eyJ-access-token-secret"
WRONG = "wr0ng-db-pw"
HOOK_TOKEN = "hooktoken9x7"


@contextmanager
def echoing_superset(login_status: int) -> Iterator[str]:
    """Answers the login with `login_status` (200 hands out ACCESS_TOKEN) and every other call with 500; each
    error body repeats the request's body and headers, as a misconfigured proxy's error page may."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            sent = self.rfile.read(length).decode()
            if self.path.startswith("/api/v1/security/login") and login_status == 200:
                status, body = 200, {"access_token": ACCESS_TOKEN, "refresh_token": "refresh-" + ACCESS_TOKEN}
            else:
                status = login_status if self.path.startswith("/api/v1/security/login") else 500
                body = {"message": f"cannot serve {self.path}: request was {sent} with {dict(self.headers)}"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer  # noqa: N815 (http.server's names)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def hybrid(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HYBRID, *args], env=env, capture_output=True, text=True, timeout=180, check=False)


def said(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


@pytest.fixture()
def cli_env(stack: LocalStack) -> dict[str, str]:
    return {**os.environ, **stack.env_values(), "SUPERSET_ADMIN_PASS_LOCAL": PASSWORD}


@pytest.mark.parametrize("login_status", [500, 401, 200])
def test_superset_failures_name_the_status_never_the_password_or_a_token(cli_env: dict[str, str],
                                                                          login_status: int) -> None:
    """500 on login, a refused (wrong) password, and a login that works followed by 500s (retried, logged)."""
    with echoing_superset(login_status) as url:
        env = {**cli_env, "SUPERSET_URL_LOCAL": url}
        results = [hybrid(env, "plan", "--env", "local"), hybrid(env, "plan", "--env", "local", "--output", "json")]
    for done in results:
        assert done.returncode != 0, said(done)
        assert f"HTTP {login_status if login_status != 200 else 500}" in said(done)
        for secret in (PASSWORD, ACCESS_TOKEN):
            assert secret not in said(done), said(done)


def test_a_wrong_database_password_stays_out_of_every_message(stack: LocalStack) -> None:
    """Each command whose role's password is wrong fails naming the variable; the password appears nowhere."""
    base = {**os.environ, **stack.env_values()}

    def wrong(variable: str) -> dict[str, str]:
        right = base[variable].split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
        return {**base, variable: base[variable].replace(f":{right}@", f":{WRONG}@")}

    runs = {
        "SUPABASE_OPS_URL_LOCAL": hybrid(wrong("SUPABASE_OPS_URL_LOCAL"), "health", "--env", "local", "--output",
                                         "json", "--timeout", "3"),
        "SUPABASE_OCR_URL_LOCAL": hybrid(wrong("SUPABASE_OCR_URL_LOCAL"), "ocr", "status", "--env", "local"),
        "SUPABASE_DB_URL_LOCAL": hybrid(wrong("SUPABASE_DB_URL_LOCAL"), "replication", "status", "--env", "local"),
    }
    for variable, done in runs.items():
        assert done.returncode != 0, (variable, said(done))
        assert "refused the password of user" in said(done) and variable in said(done), (variable, said(done))
        assert WRONG not in said(done), (variable, said(done))


def test_a_run_with_a_wrong_password_and_mattermost_down_keeps_both_out_of_its_events(
        stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_INBOX_DIR", str(tmp_path / "inbox"))
    monkeypatch.setenv("OCR_SETTLE_SECONDS", "0")
    for name in ("OCR_ARCHIVE_DIR", "OCR_QUARANTINE_DIR", "OCR_SERVICE_URL"):
        monkeypatch.delenv(name, raising=False)
    hook = f"http://127.0.0.1:{free_port()}/hooks/{HOOK_TOKEN}"
    monkeypatch.setenv("MATTERMOST_WEBHOOK_URL", hook)
    settings = load_settings()
    settings.ensure_dirs()
    drop(settings.inbox, "a.json", invoice("SECRET-1", "100.00"))
    dsn = stack.dsn("ocr", "postgres")
    password = dsn.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    defs = Definitions.merge(ocr_definitions(current_environment()), Definitions(
        resources={"ocr_warehouse": PostgresResource(dsn=dsn.replace(f":{password}@", f":{WRONG}@"))}))
    with DagsterInstance.ephemeral() as instance:
        request = defs.resolve_sensor_def(SENSOR_NAME)(build_sensor_context(instance=instance, definitions=defs))
        [result] = [execute(defs, instance, run) for run in request.run_requests]
        events = [f"{record.user_message} {record.dagster_event}" for record in instance.all_logs(result.run_id)]
    assert not result.success
    assert any("refused the password of user ocr" in event for event in events)
    leaked = [event for event in events if WRONG in event or HOOK_TOKEN in event or password in event]
    assert leaked == []
