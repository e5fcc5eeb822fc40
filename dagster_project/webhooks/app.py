"""The FastAPI application: three endpoints and `/health`. Every call, accepted or refused, is one row in
`ops.webhook_calls`; a refused call writes nothing else. Limits come first (body size, then signature or
token, then the body's shape), so an unsigned or oversized call is never parsed."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from dagster_project.config.redact import redact
from dagster_project.config.webhooks import MAX_BODY_BYTES, WebhookSettings
from dagster_project.ocr.download import HostRefused
from dagster_project.ocr.errors import UnreadableDocument
from dagster_project.webhooks import calls, signing, slash
from dagster_project.webhooks.ocr_callback import OcrComplete, accept
from dagster_project.webhooks.odoo_refresh import OdooInvoice, request_refresh

log = logging.getLogger(__name__)


class Refused(Exception):
    def __init__(self, status: int, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.extra = status, extra


def _fields(exc: ValidationError) -> list[dict[str, str]]:
    return [{"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]} for e in exc.errors()]


def parse(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = _fields(exc)
        raise Refused(422, "; ".join(f"{f['field']}: {f['message']}" for f in fields), fields=fields) from None


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Refused(413, f"the body is over {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise Refused(413, f"the body is over {MAX_BODY_BYTES} bytes")
    return bytes(body)


def json_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(422, f"the body is not JSON: {exc}", fields=[{"field": "body", "message": "not JSON"}]) from None


def build_app(settings: WebhookSettings, dsn: str) -> FastAPI:
    """`dsn`: the environment's ops role (calls, deliveries and reply slots live in schema ops)."""
    app = FastAPI(title="hybrid webhooks", version="1", docs_url=None, redoc_url=None)

    async def handle(request: Request, endpoint: str, work: Callable[[bytes], tuple[str, dict[str, Any]]]
                     ) -> JSONResponse:
        started, caller = time.monotonic(), f"http:{request.client.host if request.client else 'unknown'}"
        status, outcome, detail = 200, "ok", {}
        try:
            body = await read_body(request)
            caller, detail = await run_in_threadpool(work, body)
            outcome = "duplicate" if detail.get("duplicate") else ("collapsed" if detail.get("collapsed") else "ok")
        except Refused as exc:
            status, outcome, detail = exc.status, "refused", {"error": str(exc), **exc.extra}
        except (HostRefused, UnreadableDocument) as exc:
            status, outcome, detail = 422, "refused", {"error": str(exc), "fields": [{"field": "file_url",
                                                                                         "message": str(exc)}]}
        except ConnectionError as exc:  # Dagster or the warehouse is down: the sender should retry
            status, outcome, detail = 503, "unavailable", {"error": str(exc)}
        except Exception as exc:
            log.exception("%s failed", endpoint)
            status, outcome, detail = 500, "error", {"error": f"{type(exc).__name__}: {redact(str(exc))}"}
        seconds = time.monotonic() - started
        try:
            await run_in_threadpool(calls.record_call, dsn, settings.env, endpoint, caller, outcome, status, seconds,
                                    {k: v for k, v in detail.items() if k != "text"})
        except Exception:  # the answer still goes out; the log keeps the call
            log.exception("could not record the %s call in ops.webhook_calls", endpoint)
        return JSONResponse(detail, status_code=status)

    def signed(request: Request, body: bytes) -> None:
        try:
            signing.verify(settings.secret, request.headers.get(signing.TIMESTAMP_HEADER),
                           request.headers.get(signing.SIGNATURE_HEADER), body)
        except signing.Unauthorized as exc:
            raise Refused(401, str(exc)) from None

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "env": settings.env}

    @app.post("/webhooks/ocr-complete")
    async def ocr_complete(request: Request) -> JSONResponse:
        def work(body: bytes) -> tuple[str, dict[str, Any]]:
            signed(request, body)
            payload = parse(OcrComplete, json_body(body))
            return f"ocr:{payload.job_id}", accept(dsn, payload, "webhook:ocr-complete")
        return await handle(request, "ocr-complete", work)

    @app.post("/webhooks/odoo-invoice")
    async def odoo_invoice(request: Request) -> JSONResponse:
        def work(body: bytes) -> tuple[str, dict[str, Any]]:
            signed(request, body)
            payload = parse(OdooInvoice, json_body(body))
            return "odoo", request_refresh(dsn, payload, "webhook:odoo-invoice")
        return await handle(request, "odoo-invoice", work)

    @app.post("/webhooks/mattermost-command")
    async def mattermost_command(request: Request) -> JSONResponse:
        def work(body: bytes) -> tuple[str, dict[str, Any]]:
            form = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
            try:
                slash.check_token(settings.slash_token, form.get("token", ""))
            except signing.Unauthorized as exc:
                raise Refused(401, str(exc)) from None
            command = parse(slash.SlashCommand, form)
            return f"mattermost:{command.user_name or 'unknown'}", slash.answer(dsn, settings.env, command)
        return await handle(request, "mattermost-command", work)

    return app
