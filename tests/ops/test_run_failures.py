"""run_failure_alerts: a real job fails in a real Dagster instance, the sensor's own evaluation finds the failed
run in the instance's event log, and the message reaches a real HTTP listener."""

from __future__ import annotations

import pytest
from dagster import DagsterEvent, DagsterInstance, DagsterRun, build_sensor_context, job, op
from dagster._core.events import JobFailureData
from dagster._utils.error import SerializableErrorInfo

from dagster_project.ops.run_failures import build_run_failure_sensor, failure_message


@op
def load_statement() -> int:
    return 3


@op
def reconcile(rows: int) -> None:
    if rows:
        raise ValueError(f"bank statement differs from the ledger by {rows} lines\nfirst difference: line 17")


@op
def summarize() -> int:
    return 1


@job
def reconcile_bank() -> None:
    reconcile(load_statement())


@job
def daily_summary() -> None:
    summarize()


def evaluate(instance: DagsterInstance, cursor: str | None) -> str | None:
    """One tick of the sensor as the daemon runs it; returns the cursor it leaves."""
    result = build_run_failure_sensor("staging").evaluate_tick(build_sensor_context(instance=instance, cursor=cursor))
    return result.cursor


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as real_instance:
        yield real_instance


def test_a_failed_run_posts_its_job_step_error_and_link(webhook, instance, monkeypatch) -> None:
    monkeypatch.setenv("DAGSTER_WEBSERVER_URL", "https://dagster.example.test/")
    before = reconcile_bank.execute_in_process(instance=instance, raise_on_error=False)
    cursor = evaluate(instance, None)  # the first tick starts from now: older failures are not posted
    assert not before.success and webhook.received == []

    daily_summary.execute_in_process(instance=instance)
    failed = reconcile_bank.execute_in_process(instance=instance, raise_on_error=False)
    cursor = evaluate(instance, cursor)

    assert len(webhook.received) == 1, webhook.texts()
    text = webhook.texts()[0]
    assert "**Run failed** (staging): job **reconcile_bank**" in text
    assert f"run `{failed.run_id}`" in text
    assert "- step `reconcile`: ValueError: bank statement differs from the ledger by 3 lines" in text
    assert "first difference" not in text  # the first line of the error only
    assert f"Run: https://dagster.example.test/runs/{failed.run_id}" in text
    assert "daily_summary" not in text and before.run_id not in text

    evaluate(instance, cursor)  # the next tick does not post the same failure again
    assert len(webhook.received) == 1


def test_a_webhook_that_is_briefly_down_still_gets_the_alert(webhook, instance) -> None:
    cursor = evaluate(instance, None)
    failed = reconcile_bank.execute_in_process(instance=instance, raise_on_error=False)
    webhook.refuse = 2  # two 503 answers, then the webhook is back
    evaluate(instance, cursor)
    assert webhook.refused == 2 and len(webhook.received) == 1
    assert failed.run_id in webhook.texts()[0]


def test_a_run_that_failed_before_any_step_shows_the_runs_own_error(monkeypatch) -> None:
    monkeypatch.delenv("DAGSTER_WEBSERVER_URL", raising=False)
    # A launch failure (the run's container image missing) cannot be produced without a run launcher and
    # Docker: the run and its failure event are built as Dagster records them.
    run = DagsterRun(job_name="nightly_marts", run_id="0b3c9f")
    error = SerializableErrorInfo("DockerLaunchError: image hybrid:latest not found\nmore detail\n", [],
                                  "DockerLaunchError")
    failure = DagsterEvent("PIPELINE_FAILURE", "nightly_marts", event_specific_data=JobFailureData(error=error))
    assert failure_message("production", run, [], failure).splitlines() == [
        "**Run failed** (production): job **nightly_marts**, run `0b3c9f`",
        "- no step failed; the run did: DockerLaunchError: image hybrid:latest not found",
        "Run: http://localhost:3000/runs/0b3c9f",
    ]
