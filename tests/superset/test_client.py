"""The Superset client against a real Superset 6.1: JWT + CSRF writes, token renewal, retries, errors that
name the object, pagination, the warehouse database and queries through Superset."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from dagster_project.stack import secrets
from dagster_project.stack.local import WAREHOUSE_DATABASE
from dagster_project.stack.scratch import free_port
from dagster_project.superset.client import SupersetClient, SupersetError, rison
from tests.superset.conftest import MART_ROWS

CLIENT_LOG = "dagster_project.superset.client"


def retry_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == CLIENT_LOG and "retry" in r.getMessage()]


# -- writes need JWT and CSRF --------------------------------------------------------------------------
def test_superset_refuses_a_write_without_csrf(superset, client) -> None:
    """CSRF is on: a Bearer token alone cannot write, so the client's CSRF flow is what makes writes work."""
    client.login()
    response = httpx.post(f"{superset.url}/api/v1/saved_query/", json={"label": "x", "sql": "SELECT 1"},
                          headers={"Authorization": f"Bearer {client._access}", "Accept": "application/json"})
    assert response.status_code == 400 and "CSRF" in response.text


def test_dataset_and_chart_round_trip(superset, client, mart, unique) -> None:
    db = superset.warehouse_id()
    pk = client.create("dataset", {"database": db, "schema": "warehouse", "table_name": mart}, mart)
    dataset = client.get("dataset", pk)
    assert (dataset["table_name"], dataset["schema"], dataset["database"]["id"]) == (mart, "warehouse", db)
    assert sorted(c["column_name"] for c in dataset["columns"]) == ["amount", "month"]
    assert client.find_by_uuid("dataset", dataset["uuid"])["id"] == pk
    assert client.find_by_uuid("dataset", "00000000-0000-0000-0000-000000000000") is None
    changed = {row["uuid"]: row for row in client.list_uuid_changed_on("dataset")}
    assert changed[dataset["uuid"]]["id"] == pk and changed[dataset["uuid"]]["changed_on_utc"]
    client.refresh_dataset(pk)

    chart_name = unique("monthly_sales")
    query_context = {"datasource": {"id": pk, "type": "table"}, "result_format": "json", "result_type": "full",
                     "queries": [{"columns": ["month", "amount"], "orderby": [["month", True]], "row_limit": 100}]}
    chart = client.create("chart", {
        "slice_name": chart_name, "viz_type": "table", "datasource_id": pk, "datasource_type": "table",
        "params": json.dumps({"query_mode": "raw", "all_columns": ["month", "amount"]}),
        "query_context": json.dumps(query_context),
    }, chart_name)
    data = client.chart_data(chart)
    rows = [(row["month"], float(row["amount"])) for row in data["result"][0]["data"]]
    assert rows == MART_ROWS
    assert client.warm_up_chart(chart)[0]["chart_id"] == chart

    client.delete("chart", chart, chart_name)
    client.delete("dataset", pk, mart)
    with pytest.raises(SupersetError) as gone:
        client.get("dataset", pk)
    assert gone.value.status == 404 and str(gone.value).startswith(f"dataset {pk}: HTTP 404")


# -- tokens --------------------------------------------------------------------------------------------
def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def expired_copy(token: str, secret_key: str) -> str:
    """The same access token, expired a minute ago and validly signed with the instance's secret key:
    a real expired token without waiting 15 minutes."""
    header, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] = int(time.time()) - 60
    signing_input = f"{header}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret_key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def test_expired_access_token_is_refreshed_transparently(superset, client, unique) -> None:
    db = superset.warehouse_id()
    client.login()
    secret_key = secrets.load_or_create(superset.stack.state_dir)["superset_secret_key"]
    stale = expired_copy(client._access, secret_key)
    probe = httpx.get(f"{superset.url}/api/v1/database/", headers={"Authorization": f"Bearer {stale}"})
    assert probe.status_code == 401 and "expired" in probe.text  # the server really rejects it as expired

    client._access = stale  # a write first: its CSRF token is fetched with the expired token
    label = unique("after_expiry")
    pk = client.create("saved_query", {"db_id": db, "label": label, "sql": "SELECT 1"}, label)
    assert client.refreshes == 1 and client._access != stale
    client._access = stale  # and a read
    assert client.get("saved_query", pk)["label"] == label
    assert client.refreshes == 2
    client.delete("saved_query", pk, label)


def test_garbage_tokens_fall_back_to_a_new_login(client) -> None:
    client.login()
    client._access, client._refresh_token = "not-a-jwt", "not-a-jwt-either"
    assert client.list("database")[0]["database_name"] == WAREHOUSE_DATABASE
    assert client.refreshes == 1 and client._access.count(".") == 2


# -- retries -------------------------------------------------------------------------------------------
def test_connection_errors_are_retried_a_bounded_number_of_times(superset, caplog) -> None:
    user, password = superset.stack.superset_admin()
    port = free_port()  # nothing listens there: a real refused connection
    with SupersetClient(f"http://127.0.0.1:{port}", user, password, retries=2, backoff=0.05) as dead:
        with caplog.at_level(logging.WARNING, logger=CLIENT_LOG), pytest.raises(SupersetError) as failed:
            dead.list("database")
    assert len(retry_warnings(caplog)) == 2
    assert failed.value.status is None
    assert str(failed.value).startswith(f"login of user '{user}': no answer: ConnectError")
    assert password not in str(failed.value)


@contextmanager
def forwarder_after(delay: float, port: int, target: int) -> Iterator[None]:
    """Open `port` only after `delay` seconds and forward it to Superset: the client first meets real
    refused connections, then a real server (no mock)."""
    stop = threading.Event()

    def pump(src: socket.socket, dst: socket.socket) -> None:
        with src, dst:
            while chunk := src.recv(65536):
                dst.sendall(chunk)

    def serve() -> None:
        time.sleep(delay)
        with socket.create_server(("127.0.0.1", port)) as server:
            server.settimeout(0.2)
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                upstream = socket.create_connection(("127.0.0.1", target))
                for a, b in ((conn, upstream), (upstream, conn)):
                    threading.Thread(target=pump, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


def test_client_recovers_when_the_server_comes_up_during_retries(superset, caplog) -> None:
    port = free_port()
    user, password = superset.stack.superset_admin()
    with forwarder_after(0.5, port, superset.stack.superset.port), \
            SupersetClient(f"http://127.0.0.1:{port}", user, password, retries=6, backoff=0.1) as late, \
            caplog.at_level(logging.WARNING, logger=CLIENT_LOG):
        assert late.list("database")[0]["database_name"] == WAREHOUSE_DATABASE
    warnings = retry_warnings(caplog)
    assert warnings and all("ConnectError" in w for w in warnings)


def test_a_5xx_is_retried_for_an_idempotent_import(superset, client, caplog) -> None:
    """A bundle without its root folder makes Superset itself answer 500 (no simulation needed)."""
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("metadata.yaml", "version: 1.0.0\ntype: assets\ntimestamp: '2024-01-01T00:00:00+00:00'\n")
    client.retries = 2
    with caplog.at_level(logging.WARNING, logger=CLIENT_LOG), pytest.raises(SupersetError) as failed:
        client.import_bundle(bundle.getvalue(), {"databases/warehouse.yaml": "pw-not-shown"}, name="finance bundle")
    assert len(retry_warnings(caplog)) == 2 and "HTTP 500" in retry_warnings(caplog)[0]
    assert str(failed.value).startswith("finance bundle (")
    assert "HTTP 500: Import failed for an unknown reason" in str(failed.value)


def test_a_5xx_on_a_non_idempotent_call_is_not_repeated(superset, client, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger=CLIENT_LOG), pytest.raises(SupersetError) as failed:
        client.execute_sql(superset.warehouse_id(), "SELECT version()", "warehouse")
    assert failed.value.status == 500 and "disallowed function" in failed.value.message
    assert retry_warnings(caplog) == []


# -- errors name the object and never the password -----------------------------------------------------
def test_errors_name_the_object_and_the_server_reason(client) -> None:
    with pytest.raises(SupersetError) as missing:
        client.delete("dataset", 987654, name="no_such_mart")
    assert str(missing.value) == "dataset 'no_such_mart' (id 987654): HTTP 404: Not found"


def test_a_refused_database_names_it_and_masks_the_password(superset, client) -> None:
    uri = f"postgresql+psycopg2://superset_reader:s3cret-WRONG@127.0.0.1:{superset.stack.postgres.port}/postgres"
    with pytest.raises(SupersetError) as refused:
        client.ensure_database("broken_warehouse", uri)
    message = str(refused.value)
    assert message.startswith("database 'broken_warehouse': HTTP 4")
    assert "password" in message and "s3cret-WRONG" not in message


# -- the warehouse in Superset -------------------------------------------------------------------------
def test_warehouse_database_is_registered_once(superset, client) -> None:
    before = client.list_uuid_changed_on("database")
    uri = superset.stack.warehouse_reader_uri()
    ids = {client.ensure_database(WAREHOUSE_DATABASE, uri) for _ in range(2)}
    rows = client.list("database", filters=[("database_name", "eq", WAREHOUSE_DATABASE)])
    assert len(rows) == 1 and ids == {rows[0]["id"]}
    assert client.list_uuid_changed_on("database") == before  # nothing changed: no needless update


def test_sql_lab_reads_the_warehouse_as_the_reader_role(superset, client, mart) -> None:
    assert mart == "superset_test_monthly_sales"
    rows = client.execute_sql(superset.warehouse_id(),
                              "SELECT month, amount FROM superset_test_monthly_sales ORDER BY month", "warehouse")
    assert [(row["month"], float(row["amount"])) for row in rows] == MART_ROWS
    rights = client.execute_sql(superset.warehouse_id(), "SELECT has_table_privilege("
                                "'warehouse.superset_test_monthly_sales', 'SELECT') AS can_read, "
                                "has_table_privilege('warehouse.superset_test_monthly_sales', 'INSERT') AS can_write",
                                "warehouse")
    assert rights == [{"can_read": True, "can_write": False}]  # Superset's connection is the read-only role


# -- lists ---------------------------------------------------------------------------------------------
def test_list_reads_every_page_even_when_names_tie(superset, client, unique) -> None:
    """105 saved queries with one label: two pages of 100 ordered by a column that ties everywhere."""
    label, db = unique("paging"), superset.warehouse_id()
    created = {client.create("saved_query", {"db_id": db, "label": label, "sql": f"SELECT {i}"}, label)
               for i in range(105)}
    listed = client.list("saved_query", filters=[("label", "eq", label)], columns=("label",))
    assert {row["id"] for row in listed} == created and len(listed) == 105
    for pk in created:
        client.delete("saved_query", pk, label)
    assert client.list("saved_query", filters=[("label", "eq", label)]) == []


def test_rison_encoding() -> None:
    assert rison({"filters": [{"col": "uuid", "opr": "eq", "value": "1a-b'c!"}], "page": 0, "x": None}) == \
        "(filters:!((col:uuid,opr:eq,value:'1a-b!'c!!')),page:0,x:!n)"
    assert rison([1, 2]) == "!(1,2)" and rison(True) == "!t" and rison("") == "''"
