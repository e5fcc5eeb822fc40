"""The operations part of the code location: alert sensors, instance health and retention (docs/operations.md).

Every sensor and schedule here starts RUNNING; they use the location's `warehouse` resource."""

from dagster import Definitions

from dagster_project.config.matrix import Environment
from dagster_project.ops.health_schedule import build_health_job, build_health_schedule
from dagster_project.ops.invoice_sensor import build_big_invoice_sensor
from dagster_project.ops.retention_job import build_retention_job, build_retention_schedule
from dagster_project.ops.run_failures import build_run_failure_sensor


def ops_definitions(env: Environment) -> Definitions:
    health_job, retention_job = build_health_job(env), build_retention_job()
    return Definitions(
        jobs=[health_job, retention_job],
        schedules=[build_health_schedule(health_job), build_retention_schedule(retention_job)],
        sensors=[build_big_invoice_sensor(env), build_run_failure_sensor(env.name)],
    )
