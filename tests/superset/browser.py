"""Opening Superset pages as a given user in headless Chromium (Debian's `chromium`), through the DevTools
protocol: every HTTP answer the page gets is recorded, so a test sees exactly which call a role may not make.

The session cookie comes from Superset's own login form (the user logs in as in a browser); pages are then
opened in one Chromium, one after the other.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from dagster_project.stack.scratch import free_port

CHROMIUM = "chromium"
# A fresh profile and no background traffic: on a closed network Chromium's own update, sync and QUIC
# probes only slow the first page down.
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class PageLoad:
    """The HTTP answers one page got (static files left out), as (status, method, path)."""

    answers: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def failed(self) -> list[tuple[int, str, str]]:
        return [answer for answer in self.answers if answer[0] >= 400]

    def count(self, method: str, path_prefix: str) -> int:
        return sum(1 for status, m, path in self.answers if m == method and path.startswith(path_prefix)
                   and status < 400)


class Browser:
    def __init__(self, ws: ClientConnection, base: str):
        self.ws, self.base = ws, base
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        pk = next(self._ids)
        self.ws.send(json.dumps({"id": pk, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == pk:
                return message.get("result") or {}
            self._events.append(message)

    def open(self, path: str, done: Callable[[PageLoad], bool], deadline: float = 120.0) -> PageLoad:
        """Navigate and record answers until `done(load)` holds and the network is quiet, or the deadline."""
        self._events.clear()
        self.call("Page.navigate", url=self.base + path)
        end = time.monotonic() + deadline
        load = PageLoad()
        quiet_since = time.monotonic()
        while time.monotonic() < end:
            try:
                self._events.append(json.loads(self.ws.recv(timeout=0.5)))
                quiet_since = time.monotonic()
            except TimeoutError:
                pass
            load = self._load()
            if done(load) and time.monotonic() - quiet_since > 2:
                break
        return load

    def _load(self) -> PageLoad:
        requests = {e["params"]["requestId"]: e["params"]["request"]["method"] for e in self._events
                    if e.get("method") == "Network.requestWillBeSent"}
        load = PageLoad()
        for event in self._events:
            if event.get("method") != "Network.responseReceived":
                continue
            response = event["params"]["response"]
            path = response["url"].removeprefix(self.base)
            if not path.startswith("/static/"):
                load.answers.append((int(response["status"]), requests.get(event["params"]["requestId"], "?"), path))
        return load


def session_cookie(base: str, username: str, password: str) -> str:
    """Log in through Superset's login form (CSRF token included), as a person would."""
    with httpx.Client(base_url=base) as http:
        page = http.get("/login/").text
        token = re.search(r'id="csrf_token"\s+value="([^"]+)"', page)
        assert token, "Superset's login page has no CSRF token"
        http.post("/login/", data={"username": username, "password": password, "csrf_token": token.group(1)})
        cookie = http.cookies.get("session")
        assert cookie and http.get("/api/v1/me/").status_code != 401, f"login of '{username}' failed"
        return cookie


@contextmanager
def browser_as(base: str, username: str, password: str) -> Iterator[Browser]:
    """One headless Chromium logged in as `username`, stopped at the end."""
    if shutil.which(CHROMIUM) is None:  # `make test` installs it: a missing browser is a failure, not a skip
        pytest.fail(f"`{CHROMIUM}` is not on PATH. Fix: sudo apt-get install chromium fonts-liberation "
                    "(`make test` installs them when run as root)", pytrace=False)
    port = free_port()
    profile = tempfile.mkdtemp(prefix="hybrid-chromium-")
    argv = [CHROMIUM, *FLAGS, f"--remote-debugging-port={port}", f"--user-data-dir={profile}",
            "--window-size=1400,4000", "about:blank"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = _page_target(port, process)
        with connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as ws:
            browser = Browser(ws, base)
            browser.call("Network.enable")
            browser.call("Page.enable")
            browser.call("Network.setCookie", name="session", value=session_cookie(base, username, password), url=base)
            yield browser
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)


def _page_target(port: int, process: subprocess.Popen) -> dict[str, Any]:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{CHROMIUM} exited with status {process.returncode} before opening its DevTools port")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as answer:
                return next(t for t in json.load(answer) if t["type"] == "page")
        except (OSError, StopIteration):
            time.sleep(0.2)
    raise RuntimeError(f"{CHROMIUM} did not open its DevTools port {port}")
