"""Ongoing business activity on a seeded Odoo database, one real transaction per business event.

The events reuse the seed's accounting engine, so every invariant of the seed (balanced moves, amounts
equal to line sums, residuals and payment states following the reconciliations, gap-free sequence
names) still holds afterwards. Add an event kind by adding a handler to ``EVENTS``.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections.abc import Callable, Mapping

import psycopg
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_delay,
    stop_when_event_set,
    wait_exponential,
)

from dagster_project.config import database
from dagster_project.odoo.generator.events import EVENTS
from dagster_project.odoo.generator.outcomes import SimulationReport
from dagster_project.odoo.generator.session import open_session

Progress = Callable[[str], None]

RECONNECT_SECONDS = 120


def simulate(
    dsn: str,
    *,
    events_per_second: float,
    duration: float,
    seed: int | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    weights: Mapping[str, float] | None = None,
) -> SimulationReport:
    """Produce about ``events_per_second`` business events for ``duration`` seconds (or until ``stop``).

    ``weights`` overrides the relative weights of ``EVENTS`` by kind. A lost connection (a server restart)
    is re-opened and the activity goes on: the event in flight was rolled back by the server.
    """
    if events_per_second <= 0 or duration < 0:
        raise ValueError(f"events_per_second must be positive and duration not negative "
                         f"(events_per_second={events_per_second}, duration={duration})")
    chosen = {kind: float((weights or {}).get(kind, weight)) for kind, (weight, _) in EVENTS.items()}
    unknown = set(weights or {}) - set(EVENTS)
    if unknown or not any(w > 0 for w in chosen.values()) or any(w < 0 for w in chosen.values()):
        raise ValueError(f"weights must name event kinds among {sorted(EVENTS)} with at least one positive weight "
                         f"and none negative (unknown: {sorted(unknown)})")
    rng = random.Random(seed)
    stop = stop or threading.Event()
    report = SimulationReport({k: 0 for k in EVENTS}, {k: [] for k in EVENTS}, {k: 0 for k in EVENTS}, 0.0)
    kinds, kind_weights = list(chosen), list(chosen.values())
    started = due = time.monotonic()
    conn = database.connect(dsn, autocommit=True)
    try:
        session = open_session(conn, rng, today or dt.date.today())
        while not stop.is_set() and (now := time.monotonic()) - started < duration:
            if now < due:
                stop.wait(min(due - now, duration - (now - started)))
                continue
            kind = rng.choices(kinds, kind_weights)[0]
            try:
                with conn.transaction():
                    touched_id = EVENTS[kind][1](session)
            except psycopg.OperationalError as exc:
                if not conn.closed:
                    raise
                conn = _reconnect(dsn, exc, stop, progress)
                session = open_session(conn, rng, session.today)
                report.reconnects += 1
                continue
            _record(report, kind, touched_id, progress)
            due += 1 / events_per_second
    finally:
        conn.close()
    report.seconds = time.monotonic() - started
    return report


def _record(report: SimulationReport, kind: str, touched_id: int | None, progress: Progress | None) -> None:
    if touched_id is None:
        report.skipped[kind] += 1
        return
    report.counts[kind] += 1
    report.touched[kind].append(touched_id)
    if progress:
        progress(f"{kind} {touched_id}")


def _reconnect(dsn: str, cause: Exception, stop: threading.Event, progress: Progress | None) -> psycopg.Connection:
    """Retry with backoff for up to RECONNECT_SECONDS, as Odoo's workers do after a database restart."""
    if progress:
        progress(f"connection lost ({str(cause).strip().splitlines()[0]}); reconnecting")
    for attempt in Retrying(stop=stop_after_delay(RECONNECT_SECONDS) | stop_when_event_set(stop), reraise=True,
                            wait=wait_exponential(multiplier=0.2, max=5.0), sleep=stop.wait,
                            retry=retry_if_exception_type(psycopg.OperationalError)):
        with attempt:
            return database.connect(dsn, autocommit=True, connect_timeout_s=5)
    raise AssertionError("unreachable: Retrying either returns or raises")
