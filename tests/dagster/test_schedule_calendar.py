"""When the location's schedules fire, as Manila sees it: the ticks Dagster computes from each schedule, and the
order the nightly work runs in (the replica proved, then the marts rebuilt, then Superset refreshed, then the
instance cleaned), rather than the cron strings restated."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dagster import ScheduleDefinition
from dagster._utils.schedules import cron_string_iterator  # Dagster's own tick arithmetic (1.13)

from dagster_project.definitions import defs

MANILA = ZoneInfo("Asia/Manila")


def ticks(name: str, after: dt.datetime, count: int) -> list[dt.datetime]:
    schedule: ScheduleDefinition = defs.resolve_schedule_def(name)  # a partitioned schedule resolves here
    found = cron_string_iterator(after.timestamp(), schedule.cron_schedule, schedule.execution_timezone)
    return [next(found).astimezone(MANILA).replace(tzinfo=None) for _ in range(count)]


def test_the_nightly_work_runs_in_order_after_midnight_in_manila() -> None:
    evening = dt.datetime(2026, 12, 7, 20, 0, tzinfo=MANILA)
    night = {name: ticks(name, evening, 1)[0] for name in (
        "replica_verify_full", "nightly_marts", "superset_nightly_refresh", "dagster_instance_retention_daily")}
    assert sorted(night, key=night.get) == ["replica_verify_full", "nightly_marts", "superset_nightly_refresh",
                                            "dagster_instance_retention_daily"]
    assert {moment.date() for moment in night.values()} == {dt.date(2026, 12, 8)}
    assert night["nightly_marts"].time() == dt.time(2, 0) and night["superset_nightly_refresh"].time() == dt.time(2, 30)


def test_health_every_quarter_hour_and_drift_and_sampled_verify_every_six_hours() -> None:
    start = dt.datetime(2026, 12, 7, 10, 7, tzinfo=MANILA)
    assert [t.time() for t in ticks("instance_health", start, 3)] == [dt.time(10, 15), dt.time(10, 30),
                                                                      dt.time(10, 45)]
    for name in ("drift_check", "replica_verify_sampled"):
        assert [t.hour for t in ticks(name, start, 4)] == [12, 18, 0, 6], name


def test_the_monthly_report_fires_on_the_first_at_six_in_manila() -> None:
    assert ticks("monthly_financial_report_schedule", dt.datetime(2026, 12, 7, tzinfo=MANILA), 2) == [
        dt.datetime(2027, 1, 1, 6, 0), dt.datetime(2027, 2, 1, 6, 0)]
