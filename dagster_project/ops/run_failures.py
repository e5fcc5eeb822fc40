"""`run_failure_alerts`: every failed run of this code location posts its job, run id, failed steps with the
first line of their error, and a link to the run in the Dagster UI (DAGSTER_WEBSERVER_URL)."""

from collections.abc import Sequence

from dagster import (
    DagsterEvent,
    DagsterRun,
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorDefinition,
    run_failure_sensor,
)
from dagster._utils.error import SerializableErrorInfo

from dagster_project.config.mattermost import post_with_retry
from dagster_project.ops.links import run_url

SENSOR_NAME = "run_failure_alerts"
INTERVAL_SECONDS = 30
MAX_STEPS = 10
MAX_LINE = 300
_WRAPPERS = ("DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError")


def first_line(error: SerializableErrorInfo | None) -> str:
    """The user's own exception, not Dagster's wrapper around it, on one line."""
    while error is not None and error.cls_name in _WRAPPERS and error.cause is not None:
        error = error.cause
    if error is None:
        return "no error recorded"
    line = next((part.strip() for part in error.message.splitlines() if part.strip()), error.cls_name or "error")
    return line if len(line) <= MAX_LINE else line[:MAX_LINE - 1] + "…"


def failure_message(env: str, run: DagsterRun, steps: Sequence[DagsterEvent], failure: DagsterEvent | None) -> str:
    lines = [f"**Run failed** ({env}): job **{run.job_name}**, run `{run.run_id}`"]
    lines += [f"- step `{step.step_key}`: {first_line(step.step_failure_data.error)}" for step in steps[:MAX_STEPS]]
    if len(steps) > MAX_STEPS:
        lines.append(f"- and {len(steps) - MAX_STEPS} more failed step(s)")
    if not steps:
        run_error = getattr(failure.event_specific_data, "error", None) if failure else None
        cause = first_line(run_error) if run_error else (failure.message if failure else None)
        lines.append(f"- no step failed; the run did: {cause or 'see the run log'}")
    lines.append(f"Run: {run_url(run.run_id)}")
    return "\n".join(lines)


def build_run_failure_sensor(env_name: str) -> SensorDefinition:
    @run_failure_sensor(name=SENSOR_NAME, minimum_interval_seconds=INTERVAL_SECONDS,
                        default_status=DefaultSensorStatus.RUNNING,
                        description="Mattermost alert for every failed run of this code location: job, run id, "
                                    "failed steps with their error, link to the run.")
    def run_failure_alerts(context: RunFailureSensorContext) -> None:
        # Dagster advances this sensor's cursor even when the evaluation raises, so a webhook that is down is
        # retried here; if it stays down the tick shows the error and the message is in the daemon's log.
        text = failure_message(env_name, context.dagster_run, context.get_step_failure_events(),
                               context.failure_event)
        post_with_retry(text, kind="run failure alert")

    return run_failure_alerts
