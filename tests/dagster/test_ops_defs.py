"""Snapshot of the operations part of the code location: its sensors, schedules and jobs, as loaded."""

from __future__ import annotations

from dagster import DefaultScheduleStatus, DefaultSensorStatus, Definitions

from dagster_project.definitions import defs

OPS_SENSORS = {
    # name: (default status, minimum interval seconds, resources)
    "big_invoice_alerts": (DefaultSensorStatus.RUNNING, 30, {"warehouse"}),
    "run_failure_alerts": (DefaultSensorStatus.RUNNING, 30, set()),
}
OPS_SCHEDULES = {
    # name: (job, default status); when they fire: test_schedule_calendar.py
    "instance_health": ("instance_health_check", DefaultScheduleStatus.RUNNING),
    "dagster_instance_retention_daily": ("dagster_instance_retention", DefaultScheduleStatus.RUNNING),
}
OPS_JOBS = {
    "instance_health_check": ["check_and_record_health"],
    "dagster_instance_retention": ["purge_old_runs", "purge_runless_asset_events", "purge_old_ticks",
                                   "purge_ops_rows"],
}


def test_sensors() -> None:
    for name, (status, interval, resources) in OPS_SENSORS.items():
        sensor = defs.resolve_sensor_def(name)
        assert (sensor.default_status, sensor.minimum_interval_seconds) == (status, interval), name
        assert set(sensor.required_resource_keys) == resources, name


def test_the_failure_sensor_watches_every_job_of_the_location() -> None:
    sensor = defs.resolve_sensor_def("run_failure_alerts")
    assert sensor.sensor_type.value == "RUN_STATUS" and not sensor.targets


def test_schedules() -> None:
    schedules = {s.name: s for s in defs.schedules}
    for name, (job_name, status) in OPS_SCHEDULES.items():
        schedule = schedules[name]
        assert (schedule.job_name, schedule.default_status) == (job_name, status), name


def test_jobs_and_their_steps_in_order() -> None:
    for name, steps in OPS_JOBS.items():
        graph = defs.resolve_job_def(name).graph
        assert sorted(graph.node_names()) == sorted(steps), name
        for before, after in zip(steps, steps[1:], strict=False):  # each step waits for the one before
            upstream = graph.dependency_structure.all_upstream_outputs_from_node(after)
            assert [output.node_name for output in upstream] == [before], (name, after)
    retention = defs.resolve_job_def("dagster_instance_retention")
    assert retention.executor_def.name == "in_process"
    assert "warehouse" in defs.resolve_job_def("instance_health_check").required_resource_keys


def test_the_location_still_loads_with_the_operations() -> None:
    Definitions.validate_loadable(defs)
