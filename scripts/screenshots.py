"""`make screenshots`: pictures of the running local stack for the README, taken by headless Chromium.

Saves into docs/images/: the Dagster asset lineage from `odoo/account_move_line` to the AR aging dashboard,
and two Superset dashboards with their data. Needs `make up` first (the stack must be running) and Debian's
chromium (`make screenshots` installs it when missing). Chromium is driven over the DevTools protocol with
the `websockets` client that the Dagster webserver already installs, so nothing else is needed.

Example: .venv/bin/python scripts/screenshots.py --out docs/images
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dagster_project.config.matrix import load_matrix  # noqa: E402

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--remote-debugging-port=0"]
EXIT_STACK_DOWN = 4


class BrowserError(RuntimeError):
    pass


class Chromium:
    """One headless Chromium with a fresh profile and one page, driven over the DevTools protocol."""

    def __init__(self, binary: str, width: int, height: int, timeout: float = 60.0):
        self.profile = Path(tempfile.mkdtemp(prefix="hybrid-chromium-"))
        self.process = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
                                         f"--window-size={width},{height}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.timeout, self.ids, self.closing = timeout, itertools.count(1), ExitStack()
        self.closing.callback(self._stop)
        try:
            self.socket = self.closing.enter_context(connect(self._browser_url(), max_size=None,
                                                             open_timeout=timeout))
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            self.page("Page.enable")
            self.resize(width, height)
        except BaseException:
            self.close()
            raise

    def _browser_url(self) -> str:
        """Chromium writes its DevTools port and path into the profile once it listens."""
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not marker.exists() or len(marker.read_text().split()) < 2:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise BrowserError("Chromium did not start (try `chromium --headless --no-sandbox about:blank`)")
            time.sleep(0.1)
        port, path = marker.read_text().split()[:2]
        return f"ws://127.0.0.1:{port}{path}"

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer (events in between are not needed here)."""
        message_id = next(self.ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv(timeout=self.timeout))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        return self.call(method, self.session, **params)

    def resize(self, width: int, height: int) -> None:
        self.page("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def evaluate(self, expression: str) -> Any:
        result = self.page("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"script failed: {result['exceptionDetails'].get('text')}: {expression[:80]}")
        return result["result"].get("value")

    def goto(self, url: str) -> None:
        self.page("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", f"the page {url} to load")

    def wait_for(self, condition: str, what: str, timeout: float | None = None, steady: float = 0.0) -> None:
        """Poll a JavaScript condition until it holds (for `steady` seconds in a row, if given)."""
        deadline, since = time.monotonic() + (timeout or self.timeout), None
        while time.monotonic() < deadline:
            if self.evaluate(condition):
                since = since or time.monotonic()
                if time.monotonic() - since >= steady:
                    return
            else:
                since = None
            time.sleep(0.25)
        raise BrowserError(f"timed out waiting for {what}")

    def type_into(self, selector: str, text: str) -> None:
        """Focus a field and type into it as a user would (so React sees the input)."""
        if not self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
                             "if (!e) return false; e.focus(); return true; })()"):
            raise BrowserError(f"no field {selector} on {self.evaluate('location.href')}")
        self.page("Input.insertText", text=text)

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.page("Page.captureScreenshot", format="png")["data"]))

    def close(self) -> None:
        self.closing.close()

    def _stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------------
# What to capture.
# ---------------------------------------------------------------------------------------------------

LINEAGE_PATH = "/assets/superset/dashboard/ar_aging?view=lineage&lineageScope=upstream&lineageDepth=6"
LINEAGE_READY = ("['account_move_line', 'fct_journal_items', 'int_f', 'ar_aging'].every(t => "
                 "document.body.innerText.includes(t)) && document.querySelectorAll('svg').length > 0")
DASHBOARDS = {"superset-ar-aging.png": "ar-aging", "superset-finance-overview.png": "finance-overview"}
# Every chart of the dashboard drew something (a plot, a table or a big number) and no spinner is left.
DASHBOARD_READY = """(() => {
  const charts = [...document.querySelectorAll('[data-test=chart-grid-component]')];
  const spinners = document.querySelectorAll('.loading, [data-test=loading-indicator], .ant-spin-spinning');
  return charts.length > 0 && spinners.length === 0 && charts.every(c =>
    c.querySelector('svg, canvas, table, .superset-legacy-chart-big-number'));
})()"""


def lineage(browser: Chromium, dagster_url: str, out: Path) -> Path:
    """The AR aging dashboard's upstream lineage: odoo tables -> dbt staging and marts -> Superset."""
    browser.goto(f"{dagster_url}/server_info")  # same origin, to set the UI's own preferences first
    browser.evaluate("localStorage.setItem('communityNux', '\"1\"'); "  # the community pop-up counts as seen
                     "localStorage.setItem('dagster-nav-collapsed', 'true')")
    browser.goto(dagster_url + LINEAGE_PATH)
    browser.wait_for(LINEAGE_READY, "the Dagster asset lineage to render", steady=2.0)
    path = out / "dagster-lineage.png"
    browser.screenshot(path)
    return path


def superset_login(browser: Chromium, superset_url: str, user: str, password: str) -> None:
    browser.goto(f"{superset_url}/login/")
    browser.wait_for("!!document.querySelector('#username')", "the Superset login form")
    browser.type_into("#username", user)
    browser.type_into("#password", password)
    browser.evaluate("document.querySelector('button[type=submit]').click()")
    browser.wait_for("!location.pathname.startsWith('/login')", "Superset to accept the admin login "
                     "(SUPERSET_ADMIN_USER_LOCAL / SUPERSET_ADMIN_PASS_LOCAL in .env.local)")


def dashboard(browser: Chromium, superset_url: str, slug: str, path: Path) -> Path:
    browser.goto(f"{superset_url}/superset/dashboard/{quote(slug)}/")
    browser.wait_for(DASHBOARD_READY, f"every chart of the dashboard '{slug}' to render", timeout=120, steady=2.0)
    browser.screenshot(path)
    return path


def check_running(dagster_url: str, superset_url: str) -> list[str]:
    """What does not answer; empty when both UIs are up."""
    down = []
    for name, url in (("Dagster UI", f"{dagster_url}/server_info"), ("Superset", f"{superset_url}/health")):
        try:
            httpx.get(url, timeout=5).raise_for_status()
        except httpx.HTTPError:
            down.append(f"{name} ({url})")
    return down


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="where the PNGs go")
    parser.add_argument("--dagster-url", default="http://127.0.0.1:3000")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args(argv)
    env = load_matrix().resolve("local")
    superset_url = env.value("superset", "url").rstrip("/")
    down = check_running(args.dagster_url.rstrip("/"), superset_url)
    if down:
        print(f"error: the local stack is not running: {', '.join(down)} did not answer; run `make up` first",
              file=sys.stderr)
        return EXIT_STACK_DOWN
    if not Path(args.chromium).exists():
        print(f"error: no Chromium at {args.chromium}; install Debian's chromium "
              "(make screenshots installs it) or pass --chromium PATH", file=sys.stderr)
        return EXIT_STACK_DOWN
    saved = []
    with Chromium(args.chromium, args.width, args.height) as browser:
        browser.resize(args.width + 200, args.height + 200)  # the graph is large: a little more room
        saved.append(lineage(browser, args.dagster_url.rstrip("/"), args.out))
        browser.resize(args.width, args.height)
        superset_login(browser, superset_url, env.value("superset", "admin_user"), env.value("superset", "admin_pass"))
        for name, slug in DASHBOARDS.items():
            saved.append(dashboard(browser, superset_url, slug, args.out / name))
    for path in saved:
        print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
