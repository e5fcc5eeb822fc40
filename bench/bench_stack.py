"""Stack cold and warm start, next to raw `initdb` + `pg_ctl start` of the same wheel in the same run."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from dagster_project.stack import osuser
from dagster_project.stack.local import LocalStack
from dagster_project.stack.postgres import LocalPostgres


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _raw_baseline(state: Path, port: int) -> tuple[float, float]:
    """initdb + start, then stop + start, with pg_ctl alone: what any embedded Postgres must pay."""
    pg = LocalPostgres(state, port)
    cold = _timed(lambda: (pg.init("baseline"), pg.start(progress=lambda _: None)))
    pg.stop()
    warm = _timed(lambda: pg.start(progress=lambda _: None))
    pg.stop()
    return cold, warm


def run(make_state_dir, free_port, with_dagster: bool = True) -> dict[str, float | str]:
    """Cold = empty state directory to ready; warm = `down` then `up` on existing data."""
    baseline_dir = make_state_dir("bench-raw-")
    raw_cold, raw_warm = _raw_baseline(baseline_dir, free_port())
    shutil.rmtree(baseline_dir, ignore_errors=True)

    state = make_state_dir("bench-stack-")
    stack = LocalStack(state, free_port(), dagster_port=free_port())
    quiet = lambda _: None  # noqa: E731
    try:
        cold_pg = _timed(lambda: stack.up(with_dagster=False, with_superset=False, progress=quiet))
        stack.down(progress=quiet)
        warm_pg = _timed(lambda: stack.up(with_dagster=False, with_superset=False, progress=quiet))
        figures: dict[str, float | str] = {
            "raw_cold_s": raw_cold, "raw_warm_s": raw_warm,
            "stack_cold_postgres_s": cold_pg, "stack_warm_postgres_s": warm_pg,
            "cold_ratio": cold_pg / raw_cold, "warm_ratio": warm_pg / raw_warm,
        }
        if with_dagster:
            stack.down(progress=quiet)
            with_dagster_s = _timed(lambda: stack.up(with_dagster=True, with_superset=False, progress=quiet))
            figures["stack_warm_with_dagster_s"] = with_dagster_s
    finally:
        stack.down(progress=quiet)
        shutil.rmtree(state, ignore_errors=True)
    figures["server_user"] = osuser.server_user() or "invoking user"
    return figures
