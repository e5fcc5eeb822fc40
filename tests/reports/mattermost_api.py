"""A real HTTP server standing in for Mattermost's REST API (the bot's file upload and post), and for its
incoming webhook on /hooks/...: what a report delivery sends is recorded as received."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler

from tests.webhook import serving

CHANNEL_ID = "finchannel0001"


@dataclass
class MattermostApi:
    url: str = ""
    token: str = "bot-token-for-tests"
    files: list[dict] = field(default_factory=list)  # {name, content, channel_id}
    posts: list[dict] = field(default_factory=list)
    hooks: list[dict] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)
    unauthorized: int = 0


@contextmanager
def mattermost_api() -> Iterator[MattermostApi]:
    api = MattermostApi()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, document: dict) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _authorized(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {api.token}":
                return True
            api.unauthorized += 1
            self._answer(401, {"message": "invalid token"})
            return False

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self._authorized():
                api.lookups.append(self.path)
                self._answer(200, {"id": CHANNEL_ID})

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path.startswith("/hooks/"):
                api.hooks.append(json.loads(raw))
                self._answer(200, {})
            elif not self._authorized():
                return
            elif self.path == "/api/v4/files":
                infos = []
                for part in _parts(self.headers["Content-Type"], raw):
                    if part.get_param("name", header="content-disposition") == "files":
                        api.files.append({"name": part.get_filename(), "content": part.get_payload(decode=True)})
                        infos.append({"id": f"file{len(api.files)}"})
                    else:
                        channel = part.get_payload(decode=True).decode()
                for file in api.files[-len(infos):]:
                    file["channel_id"] = channel
                self._answer(201, {"file_infos": infos})
            elif self.path == "/api/v4/posts":
                api.posts.append(json.loads(raw))
                self._answer(201, {"id": f"post{len(api.posts)}"})
            else:
                self._answer(404, {"message": "no such API"})

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as base:
        api.url = base
        yield api


def _parts(content_type: str, body: bytes) -> list:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    return list(message.iter_parts())
