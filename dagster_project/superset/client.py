"""A small client for Superset 6.1's REST API: what the dashboards-as-code control plane needs.

Superset wants a JWT *and* the CSRF cookie flow on every write, answers errors as HTML unless asked for
JSON, and has a 15-minute access token: this client hides all three. It retries connection errors (the
request never left) for every call and 5xx answers or broken connections only for idempotent calls
(GET, PUT, DELETE, login, asset import), with exponential backoff and a bounded count, so a create is
never sent twice. Every error names the object (type and name, id or uuid), the HTTP status and the
server's message, with passwords masked.
"""

from __future__ import annotations

import json
import logging
import time
import uuid as uuidlib
from collections.abc import Iterable, Mapping
from typing import Any

import httpx
import prison
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from dagster_project.config.matrix import Environment
from dagster_project.config.redact import URI_PASSWORD, redact, uri_password

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # Superset caps list pages at 100
KINDS = ("database", "dataset", "chart", "dashboard", "saved_query", "rowlevelsecurity", "security/roles",
         "security/permissions-resources", "security/users")
# Most lists cannot order by id: page by each type's name and de-duplicate by id, because rows whose names
# tie may come back in a different order on another page.
ORDER_COLUMNS = {"database": "database_name", "dataset": "table_name", "chart": "slice_name",
                 "dashboard": "dashboard_title", "saved_query": "label", "rowlevelsecurity": "name",
                 "security/roles": "name", "security/permissions-resources": "id", "security/users": "username"}
CHANGED_ON = {"database": "changed_on"}  # the one list without changed_on_utc
_IDEMPOTENT = {"GET", "PUT", "DELETE"}


class SupersetError(Exception):
    """A Superset call failed: `what` is the object, `status` the HTTP status (None: no answer)."""

    def __init__(self, what: str, status: int | None, message: str):
        self.what, self.status, self.message = what, status, message
        where = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"{what}: {where}: {message}")


class SupersetClient:
    def __init__(self, url: str, username: str, password: str, *, timeout: float = 60.0, retries: int = 4,
                 backoff: float = 0.5):
        self.url = url.rstrip("/")
        self.username = username
        self._password = password
        self.retries, self.backoff = retries, backoff
        self._http = httpx.Client(base_url=self.url, timeout=timeout, headers={"Accept": "application/json"})
        self._access: str | None = None
        self._refresh_token: str | None = None
        self._csrf: str | None = None
        self._secrets: set[str | None] = {password}
        self.refreshes = 0  # how often the access token was renewed (observable in tests and logs)

    @classmethod
    def for_environment(cls, env: Environment, environ: Mapping[str, str] | None = None,
                        **kwargs: Any) -> SupersetClient:
        """Credentials from the instance matrix's variables for `env` (SUPERSET_URL_<ENV>, ...)."""
        return cls(env.value("superset", "url", environ), env.value("superset", "admin_user", environ),
                   env.value("superset", "admin_pass", environ), **kwargs)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SupersetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- authentication ----------------------------------------------------------------------------
    def login(self) -> None:
        body = {"username": self.username, "password": self._password, "provider": "db", "refresh": True}
        response = self._send("POST", "/api/v1/security/login", f"login of user '{self.username}'",
                              idempotent=True, json=body)
        self._raise_for_status(response, f"login of user '{self.username}'")
        tokens = response.json()
        self._access, self._refresh_token, self._csrf = tokens["access_token"], tokens.get("refresh_token"), None

    def _renew(self) -> None:
        """A rejected access token: renew it with the refresh token, or log in again."""
        self.refreshes += 1
        if self._refresh_token:
            response = self._send("POST", "/api/v1/security/refresh", "token refresh", idempotent=True,
                                  headers={"Authorization": f"Bearer {self._refresh_token}"})
            if response.status_code == 200:
                self._access = response.json()["access_token"]
                log.info("Superset access token refreshed")
                return
        self.login()

    def _csrf_token(self) -> str:
        """The token lives in the `session` cookie the client keeps; fetched once per session."""
        if self._csrf is None:
            response = self._send("GET", "/api/v1/security/csrf_token/", "CSRF token", idempotent=True,
                                  headers=self._auth())
            if _token_rejected(response):
                self._renew()
                response = self._send("GET", "/api/v1/security/csrf_token/", "CSRF token", idempotent=True,
                                      headers=self._auth())
            self._raise_for_status(response, "CSRF token")
            self._csrf = response.json()["result"]
        return self._csrf

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._access}"}

    # -- transport ---------------------------------------------------------------------------------
    def request(self, method: str, path: str, what: str, *, idempotent: bool | None = None, csrf: bool = True,
                **kwargs: Any) -> httpx.Response:
        """One authenticated call; renews a rejected token and a stale CSRF token once each. `csrf=False`
        for the endpoints Superset exempts (chart data), which read-only users call without the CSRF grant."""
        if self._access is None:
            self.login()
        idempotent = method in _IDEMPOTENT if idempotent is None else idempotent
        extra_headers = kwargs.pop("headers", {})
        renewed = csrf_renewed = False
        while True:
            token = {"X-CSRFToken": self._csrf_token(), "Referer": self.url + "/"} if method != "GET" and csrf else {}
            headers = {**self._auth(), **token, **extra_headers}  # after the CSRF call: it may renew the token
            response = self._send(method, path, what, idempotent=idempotent, headers=headers, **kwargs)
            if _token_rejected(response) and not renewed:
                renewed = True
                self._renew()
            elif _csrf_rejected(response) and not csrf_renewed:
                csrf_renewed, self._csrf = True, None
            else:
                self._raise_for_status(response, what)
                return response

    def _send(self, method: str, path: str, what: str, *, idempotent: bool, **kwargs: Any) -> httpx.Response:
        """Send with bounded retries (tenacity): connection errors always, 5xx and broken answers if idempotent.
        After the last attempt a 5xx is returned (the caller raises it with the server's reason)."""

        def once() -> httpx.Response:
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) or idempotent:
                    raise _Retryable(type(exc).__name__, transport=exc) from exc
                raise SupersetError(what, None, f"{type(exc).__name__} at {self.url}{path}: "
                                    f"{self._mask(str(exc))}") from exc
            if response.status_code >= 500 and idempotent:
                raise _Retryable(f"HTTP {response.status_code}", response=response)
            return response

        def warn(state: RetryCallState) -> None:
            reason = state.outcome.exception() if state.outcome else None
            log.warning("Superset %s %s (%s) failed with %s; retry %d/%d in %.1fs", method, path, what, reason,
                        state.attempt_number, self.retries, state.upcoming_sleep)

        try:
            for attempt in Retrying(stop=stop_after_attempt(self.retries + 1), reraise=True, before_sleep=warn,
                                    wait=wait_exponential(multiplier=self.backoff, min=self.backoff),
                                    retry=retry_if_exception_type(_Retryable), sleep=time.sleep):
                with attempt:
                    return once()
        except _Retryable as exc:
            if exc.response is not None:
                return exc.response
            raise SupersetError(what, None, f"{exc} at {self.url}{path}: {self._mask(str(exc.transport))}") \
                from exc.transport
        raise AssertionError("unreachable: Retrying either returns or raises")

    def _raise_for_status(self, response: httpx.Response, what: str) -> None:
        if response.is_error:
            raise SupersetError(what, response.status_code, self._mask(_server_message(response)))

    def _mask(self, text: str) -> str:
        """Passwords and the session's tokens out of a message (a server may echo what it was sent)."""
        return redact(text, [*self._secrets, self._access, self._refresh_token, self._csrf])

    # -- reading -----------------------------------------------------------------------------------
    def get(self, kind: str, pk: int | str) -> dict[str, Any]:
        return self.request("GET", f"/api/v1/{_kind(kind)}/{pk}", f"{kind} {pk}").json()["result"]

    def list(self, kind: str, *, filters: Iterable[tuple[str, str, Any]] = (),
             columns: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Every row, 100 per page; `filters` are (column, operator, value), e.g. ("uuid", "eq", "...").
        A listing that loses rows to reordering between pages is read again (up to 3 times)."""
        query: dict[str, Any] = {"order_column": ORDER_COLUMNS[_kind(kind)], "order_direction": "asc",
                                 "page_size": PAGE_SIZE}
        if filters:
            query["filters"] = [{"col": c, "opr": o, "value": v} for c, o, v in filters]
        if columns:
            query["columns"] = list(dict.fromkeys(["id", *columns]))
        for _ in range(3):
            rows, count = self._pages(kind, query)
            if len(rows) == count:
                return list(rows.values())
        raise SupersetError(f"{kind} list", None, f"pages returned {len(rows)} distinct rows of {count}")

    def _pages(self, kind: str, query: dict[str, Any]) -> tuple[dict[int, dict[str, Any]], int]:
        rows: dict[int, dict[str, Any]] = {}
        page = count = 0
        while page * PAGE_SIZE < max(count, 1):
            body = self.request("GET", f"/api/v1/{kind}/", f"{kind} list",
                                params={"q": rison({**query, "page": page})}).json()
            rows.update((row["id"], row) for row in body["result"])
            count, page = body["count"], page + 1
        return rows, count

    def find_by_uuid(self, kind: str, uuid: str) -> dict[str, Any] | None:
        rows = self.list(kind, filters=[("uuid", "eq", str(uuid))])
        return rows[0] if rows else None

    def list_uuid_changed_on(self, kind: str) -> list[dict[str, Any]]:
        """id, uuid and changed_on_utc of every object: the cheap drift pre-check."""
        changed = CHANGED_ON.get(kind, "changed_on_utc")
        rows = self.list(kind, columns=("uuid", changed))
        return [{"id": row["id"], "uuid": row["uuid"], "changed_on_utc": row[changed]} for row in rows]

    # -- writing -----------------------------------------------------------------------------------
    def create(self, kind: str, payload: Mapping[str, Any], name: str) -> int:
        """Create one object; returns its id. Never retried on 5xx (the row may exist)."""
        response = self.request("POST", f"/api/v1/{_kind(kind)}/", f"{kind} '{name}'", json=dict(payload))
        return int(response.json()["id"])

    def update(self, kind: str, pk: int, payload: Mapping[str, Any], name: str) -> None:
        self.request("PUT", f"/api/v1/{_kind(kind)}/{pk}", f"{kind} '{name}' (id {pk})", json=dict(payload))

    def delete(self, kind: str, pk: int, name: str | None = None) -> None:
        what = f"{kind} '{name}' (id {pk})" if name else f"{kind} id {pk}"
        self.request("DELETE", f"/api/v1/{_kind(kind)}/{pk}", what)

    def ensure_database(self, name: str, uri: str, *, expose_in_sqllab: bool = False, allow_dml: bool = False,
                        **options: Any) -> int:
        """Register a database once (matched by name); an existing one is updated only when its masked
        URI or options differ. Returns its id."""
        self._secrets.add(uri_password(uri))
        wanted = {"database_name": name, "sqlalchemy_uri": uri, "expose_in_sqllab": expose_in_sqllab,
                  "allow_dml": allow_dml, **options}
        rows = self.list("database", filters=[("database_name", "eq", name)])
        if not rows:
            return self.create("database", wanted, name)
        pk = int(rows[0]["id"])
        current = self.request("GET", f"/api/v1/database/{pk}/connection", f"database '{name}'").json()["result"]
        masked = {**wanted, "sqlalchemy_uri": URI_PASSWORD.sub(r"\1XXXXXXXXXX@", uri)}
        if any(current.get(key) != value for key, value in masked.items()):
            self.update("database", pk, wanted, name)
        return pk

    def import_bundle(self, zip_bytes: bytes, passwords: Mapping[str, str], overwrite: bool = True,
                      sparse: bool = False, name: str = "asset bundle") -> None:
        """POST /api/v1/assets/import/: one transaction that always overwrites (Superset offers no
        other mode there), so `overwrite=False` is refused rather than silently ignored."""
        if not overwrite:
            raise ValueError("Superset's assets import always overwrites; check for existing objects first")
        self._secrets |= set(passwords.values())
        data = {"passwords": json.dumps(dict(passwords)), "sparse": json.dumps(sparse)}
        files = {"bundle": ("bundle.zip", zip_bytes, "application/zip")}
        self.request("POST", "/api/v1/assets/import/", f"{name} ({len(zip_bytes)} bytes)", idempotent=True,
                     data=data, files=files)

    def export_assets(self) -> bytes:
        return self.request("GET", "/api/v1/assets/export/", "asset export").content

    def export_dashboards(self, ids: Iterable[int]) -> bytes:
        ids = list(ids)
        return self.request("GET", "/api/v1/dashboard/export/", f"dashboard export {ids}",
                            params={"q": rison(ids)}).content

    def export_objects(self, kind: str, ids: Iterable[int]) -> bytes:
        """One export call for many objects of one type (with their dependencies): a ZIP."""
        ids = list(ids)
        return self.request("GET", f"/api/v1/{_kind(kind)}/export/", f"{kind} export ({len(ids)} objects)",
                            params={"q": rison(ids)}).content

    def refresh_dataset(self, pk: int) -> None:
        self.request("PUT", f"/api/v1/dataset/{pk}/refresh", f"dataset id {pk} (refresh)")

    def warm_up_chart(self, chart_id: int) -> list[dict[str, Any]]:
        response = self.request("PUT", "/api/v1/chart/warm_up_cache", f"chart id {chart_id} (warm-up)",
                                json={"chart_id": chart_id})
        return response.json()["result"]

    def dashboard_charts(self, pk: int) -> list[dict[str, Any]]:
        return self.request("GET", f"/api/v1/dashboard/{pk}/charts", f"dashboard id {pk} (charts)").json()["result"]

    def chart_data(self, pk: int, force: bool = True) -> dict[str, Any]:
        return self.request("GET", f"/api/v1/chart/{pk}/data/", f"chart id {pk} (data)",
                            params={"force": json.dumps(force)}).json()

    def role_permissions(self, role_id: int) -> list[dict[str, Any]]:
        """`{id, permission_name, view_menu_name}` of every permission the role holds."""
        return self.request("GET", f"/api/v1/security/roles/{role_id}/permissions/",
                            f"permissions of role id {role_id}").json()["result"]

    def set_role_permissions(self, role_id: int, permission_ids: Iterable[int], name: str) -> None:
        """Replace the role's permissions with exactly these (permission-on-resource ids); idempotent."""
        self.request("POST", f"/api/v1/security/roles/{role_id}/permissions", f"permissions of role '{name}'",
                     idempotent=True, json={"permission_view_menu_ids": sorted(permission_ids)})

    def query_data(self, query_context: Mapping[str, Any], what: str = "chart data query") -> list[dict[str, Any]]:
        """POST /api/v1/chart/data (CSRF-exempt): one result per query of the context, rows under `data`."""
        response = self.request("POST", "/api/v1/chart/data", what, idempotent=True, csrf=False,
                                json=dict(query_context))
        return response.json()["result"]

    def execute_sql(self, database_id: int, sql: str, schema: str | None = None) -> list[dict[str, Any]]:
        """Run a read query through SQL Lab (synchronously); returns its rows."""
        body = {"database_id": database_id, "sql": sql, "schema": schema, "runAsync": False,
                "client_id": uuidlib.uuid4().hex[:10]}
        response = self.request("POST", "/api/v1/sqllab/execute/", f"SQL Lab query on database id {database_id}",
                                json=body)
        return response.json()["data"]


def rison(value: Any) -> str:
    """Encode for Superset's `q` parameter (Rison, by the prison library)."""
    return prison.dumps(value)


class _Retryable(Exception):
    """An attempt worth repeating: a transport error, or a 5xx answer to an idempotent call."""

    def __init__(self, reason: str, *, transport: httpx.TransportError | None = None,
                 response: httpx.Response | None = None) -> None:
        super().__init__(reason)
        self.transport, self.response = transport, response


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown Superset object type {kind!r}; known: {', '.join(KINDS)}")
    return kind


def _token_rejected(response: httpx.Response) -> bool:
    """401, or flask-jwt-extended's 422 `{"msg": ...}` for a malformed or badly signed token."""
    if response.status_code == 401:
        return True
    return response.status_code == 422 and "msg" in _json(response)


def _csrf_rejected(response: httpx.Response) -> bool:
    return response.status_code == 400 and "CSRF" in response.text


def _server_message(response: httpx.Response) -> str:
    body = _json(response)
    for key in ("message", "msg", "errors", "error"):
        value = body.get(key)
        if isinstance(value, list) and all(isinstance(item, dict) and "message" in item for item in value):
            return "; ".join(item["message"] for item in value)[:1000]
        if value:
            return value if isinstance(value, str) else json.dumps(value)[:1000]
    return response.text.strip()[:300] or response.reason_phrase


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
