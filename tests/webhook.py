"""A real HTTP listener standing in for Mattermost's incoming webhook (used by the ops and OCR tests)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Webhook:
    """What the listener received. `refuse` answers the next N posts with HTTP 503 (a webhook restarting);
    `status` is the answer to every other post (500 for a broken webhook)."""

    url: str
    received: list[dict] = field(default_factory=list)
    status: int = 200
    refused: int = 0
    refuse: int = 0

    def texts(self) -> list[str]:
        return [message["text"] for message in self.received]


@contextmanager
def listening_webhook(path: str) -> Iterator[Webhook]:
    hook = Webhook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if hook.refuse > 0:
                hook.refuse -= 1
                hook.refused += 1
                self.send_response(503)
            else:
                hook.received.append(body)
                self.send_response(hook.status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as base:
        hook.url = f"{base}{path}"
        yield hook


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` on a free local port in a thread, for the block; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
