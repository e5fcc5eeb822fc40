"""instance_health against the real scratch stack: every check recorded in ops.health_log with its status,
an alert when failures start or end (to a real HTTP listener), and a run that fails only when it cannot record."""

from __future__ import annotations

import psycopg
import pytest
from dagster import DagsterInstance, build_sensor_context
from psycopg.conninfo import conninfo_to_dict

from dagster_project.config.matrix import load_matrix
from dagster_project.ops.health_log import configured_environments
from dagster_project.ops.health_schedule import build_health_job
from dagster_project.ops.run_failures import build_run_failure_sensor
from dagster_project.resources.postgres import PostgresResource
from dagster_project.stack.scratch import free_port

LOCAL = load_matrix().resolve("local")
RUN_CONFIG = {"ops": {"check_and_record_health": {"config": {"timeout_seconds": 2.0}}}}


@pytest.fixture
def log_dsn(stack, make_database) -> str:
    """A database of its own for ops.health_log, so the rows counted are this test's."""
    return make_database("ops_health_log_test")


@pytest.fixture(autouse=True)
def only_local_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows counted are the local environment's: no other environment's variable leaks in from the shell."""
    for env in load_matrix().environments.values():
        if env.name != "local":
            for name in {n for service in env.services.values() for names in service.variables.values()
                         for n in names}:
                monkeypatch.delenv(name, raising=False)


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as real_instance:
        yield real_instance


def run_health(instance: DagsterInstance, dsn: str):
    return build_health_job(LOCAL).execute_in_process(
        run_config=RUN_CONFIG, instance=instance, resources={"warehouse": PostgresResource(dsn=dsn)},
        raise_on_error=False)


def output_metadata(result) -> dict[str, object]:
    output = next(e for e in result.all_events if e.event_type_value == "STEP_OUTPUT")
    return {key: value.value for key, value in output.step_output_data.metadata.items()}


def logged(dsn: str, run_id: str) -> dict[tuple[str, str], tuple[str, str, float]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT env, component, check_name, status, detail, latency_ms FROM ops.health_log "
                            "WHERE run_id = %s", (run_id,)).fetchall()
    assert {row[0] for row in rows} == {"local"}
    return {(component, check): (status, detail, float(ms)) for _, component, check, status, detail, ms in rows}


def test_checks_are_recorded_and_alerted_when_failures_start_and_end(stack, log_dsn, instance, webhook,
                                                                     monkeypatch) -> None:
    good_odoo = stack.dsn("odoo", "odoo_local")
    password = conninfo_to_dict(good_odoo)["password"]
    monkeypatch.setenv("ODOO_DB_URL_LOCAL", good_odoo.replace(password, "wrong-password"))
    monkeypatch.setenv("SUPERSET_URL_LOCAL", f"http://127.0.0.1:{free_port()}")  # nothing listens there

    first = run_health(instance, log_dsn)
    assert first.success  # failed checks are recorded and alerted, they do not fail the run
    rows = logged(log_dsn, first.run_id)
    assert {key: status for key, (status, _, _) in rows.items()} == {
        ("odoo", "web"): "skipped", ("odoo", "database"): "failed", ("supabase", "warehouse"): "ok",
        ("superset", "web"): "failed", ("superset", "metadata database"): "ok"}
    assert rows["supabase", "warehouse"][1] == "SELECT 1" and rows["supabase", "warehouse"][2] >= 0
    assert "ODOO_DB_URL_LOCAL" in rows["odoo", "database"][1] and "wrong-password" not in rows["odoo", "database"][1]
    assert "ConnectError" in rows["superset", "web"][1]
    assert len(webhook.received) == 1
    alert = webhook.texts()[0]
    assert "2 check(s) started failing" in alert
    assert "- FAILED local odoo database" in alert and "- FAILED local superset web" in alert
    assert f"/runs/{first.run_id}" in alert

    second = run_health(instance, log_dsn)  # the same failures: recorded again, not alerted again
    assert second.success and logged(log_dsn, second.run_id)["odoo", "database"][0] == "failed"
    assert len(webhook.received) == 1

    monkeypatch.setenv("ODOO_DB_URL_LOCAL", good_odoo)
    third = run_health(instance, log_dsn)
    assert logged(log_dsn, third.run_id)["odoo", "database"][0] == "ok"
    assert len(webhook.received) == 2
    recovery = webhook.texts()[1]
    assert "0 check(s) started failing, 1 recovered" in recovery
    assert "- recovered: local odoo database (ok)" in recovery and "- still failing: local superset web" in recovery
    assert output_metadata(third) == {"environments": "local", "rows_recorded": 5, "checks_ok": 3, "checks_failed": 1,
                                      "checks_skipped": 1, "alerted": True}
    with psycopg.connect(log_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM ops.health_log").fetchone()[0] == 15


def test_a_run_that_cannot_record_fails_and_the_failure_sensor_reports_it(stack, instance, webhook,
                                                                          monkeypatch) -> None:
    monkeypatch.setenv("SUPERSET_URL_LOCAL", f"http://127.0.0.1:{free_port()}")
    cursor = build_run_failure_sensor("local").evaluate_tick(build_sensor_context(instance=instance)).cursor
    dead = f"postgresql://postgres:pw@127.0.0.1:{free_port()}/postgres"
    result = run_health(instance, dead)
    assert not result.success
    build_run_failure_sensor("local").evaluate_tick(build_sensor_context(instance=instance, cursor=cursor))
    assert len(webhook.received) == 1
    text = webhook.texts()[0]
    assert "job **instance_health_check**" in text and "step `check_and_record_health`" in text
    assert "DatabaseUnavailable" in text and "refused the connection: nothing listens there" in text
    assert "pw@" not in text


def test_configured_environments_are_those_with_a_variable_set() -> None:
    matrix = load_matrix()
    assert [e.name for e in configured_environments(matrix, {}, own="local")] == ["local"]
    environ = {"SUPERSET_URL_PRODUCTION": "https://superset.example.com", "UNRELATED": "x"}
    assert [e.name for e in configured_environments(matrix, environ, own="local")] == ["local", "production"]
