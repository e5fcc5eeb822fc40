"""The freshness benchmark's arithmetic: nearest-rank percentiles and the stage breakdown of each sample."""

import pytest

from bench.bench_freshness import DBT_PARTS, STAGES, Sample, durations, percentile, summarize


def sample(start: float, *gaps: float) -> Sample:
    """A sample whose seven timestamps follow `start` by the cumulative `gaps`."""
    stamps, now = [start], start
    for gap in gaps:
        now += gap
        stamps.append(now)
    return Sample(*stamps)


def test_percentile_is_nearest_rank_and_always_a_measured_value() -> None:
    values = [float(v) for v in range(20, 0, -1)]  # 20 samples, unsorted
    assert percentile(values, 50) == 10.0
    assert percentile(values, 95) == 19.0
    assert percentile(values, 100) == 20.0
    assert percentile([7.5], 95) == 7.5
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_stages_partition_commit_to_chart() -> None:
    # replication 0.01 s, sensor 4 s, automation tick 3 s, queue and launch 6 s, dbt to the mart 12 s, Superset 0.5 s
    s = sample(1000.0, 0.01, 4.0, 3.0, 6.0, 12.0, 0.5)
    stages = durations(s, STAGES)
    assert stages == pytest.approx({"replication": 0.01, "sensor": 4.0, "dbt": 21.0, "superset": 0.5})
    assert sum(stages.values()) == pytest.approx(s.chart - s.committed)
    parts = durations(s, DBT_PARTS)
    assert parts == pytest.approx({"automation_tick": 3.0, "run_queue_and_launch": 6.0, "dbt_until_mart": 12.0})


def test_an_instance_timestamp_before_the_polled_one_counts_as_zero_not_negative() -> None:
    # The sensor's event is stamped 5 ms before the replica poll saw the row: that stage is 0, not -0.005 s,
    # and the next stage starts from the later of the two.
    s = Sample(committed=100.0, replica=100.02, sensor=100.015, run_created=104.0, run_started=109.0, mart=120.0,
               chart=120.4)
    stages = durations(s, STAGES)
    assert stages["sensor"] == 0.0
    assert stages["dbt"] == pytest.approx(120.0 - 100.02)
    assert sum(stages.values()) == pytest.approx(20.4)


def test_summary_reports_p50_p95_and_shares_that_add_up() -> None:
    samples = [sample(100.0 * i, 0.002, 2.0 + i % 5, 4.0, 5.0, 10.0 + i % 3, 0.4) for i in range(20)]
    figures = summarize(samples)
    totals = sorted(s.chart - s.committed for s in samples)
    assert figures["samples"] == 20
    assert figures["end_to_end_p50_s"] == round(totals[9], 2)
    assert figures["end_to_end_p95_s"] == round(totals[18], 2)
    assert sum(figures[f"{name}_share"] for name, _, _ in STAGES) == pytest.approx(1.0, abs=0.002)
    assert sum(figures[f"{name}_share"] for name, _, _ in DBT_PARTS) == pytest.approx(figures["dbt_share"], abs=0.002)
    assert figures["sensor_p95_s"] == 6.0  # 2 + 4: the largest sensor wait, reached by 4 of the 20 samples
    assert figures["goal_p95_under_60s"] is True


def test_summary_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no samples"):
        summarize([])
