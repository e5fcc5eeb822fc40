"""`hybrid live run`: the long-lived worker that keeps the warehouse's dbt tables in step with the replica.
It compiles the dbt project once (the SQL it runs is dbt's own), then applies each batch of recorded
changes as it arrives: woken by the triggers' NOTIFY, polling once a second in case a wake-up is missed.
No run launch, no dbt start-up per change: one transaction per batch."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from dagster_project.config import database
from dagster_project.config.matrix import Environment
from dagster_project.dbt.env import dbt_env
from dagster_project.dbt.manifest import DBT_PROJECT_DIR, dbt_executable
from dagster_project.live.catalog import Catalog, load_catalog
from dagster_project.live.changes import CHANNEL
from dagster_project.live.refresh import Batch, refresh

RETRY_PAUSE_S = 0.5
RETRIED = (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected, psycopg.errors.UndefinedTable,
           psycopg.errors.SerializationFailure)  # a dbt run swapping a table mid-batch: take the batch again


class CompileFailed(RuntimeError):
    """`dbt compile` did not produce the SQL the worker runs."""


class NotInstalled(RuntimeError):
    """The warehouse has no change record (`hybrid live setup` has not run there), or no marts yet."""


def compile_catalog(environment: Environment, target: Path) -> Catalog:
    """dbt's full-refresh SQL of every model, against the environment's warehouse, in `target`."""
    target.mkdir(parents=True, exist_ok=True)
    command = [dbt_executable(), "compile", "--full-refresh", "--target-path", str(target), "--log-path",
               str(target), "--quiet"]
    env = {**os.environ, **dbt_env(environment), "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)}
    done = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    if done.returncode != 0:
        raise CompileFailed(f"dbt compile failed for {environment.name}: {(done.stdout + done.stderr)[-1500:]}")
    return load_catalog(target / "manifest.json")


def describe(batch: Batch) -> str:
    kinds = {}
    for info in batch.models.values():
        kinds[info["mode"]] = kinds.get(info["mode"], 0) + 1
    summary = ", ".join(f"{count} {mode}" for mode, count in sorted(kinds.items()))
    return (f"changes {batch.first_change}..{batch.last_change} ({batch.changes}): {summary or 'nothing to do'} "
            f"in {batch.seconds:.2f} s")


def run(dsn: str, catalog: Catalog, *, once: bool = False, full: bool = False, poll_s: float = 1.0,
        stop: threading.Event | None = None, progress: Callable[[str], None] = print) -> int:
    """Apply batches until stopped (or, with `once`, until none is left); returns how many were applied."""
    applied = 0
    with database.connect(dsn, autocommit=True) as listener, \
            database.connect(dsn, statement_timeout_s=None, lock_timeout_s=None) as work:
        if listener.execute("SELECT to_regclass('live.state') IS NULL").fetchone()[0]:
            raise NotInstalled("the warehouse has no change record (schema live); fix: hybrid live setup --env <env> "
                               "(as the warehouse superuser), then start the worker again")
        missing = [m.label for m in catalog.models
                   if listener.execute("SELECT to_regclass(%s) IS NULL", (m.label,)).fetchone()[0]]
        if missing:
            raise NotInstalled(f"the warehouse has no {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}: "
                               "the worker keeps tables dbt built; fix: dbt build (make up does it), then start it")
        listener.execute(f"LISTEN {CHANNEL}")
        while not (stop is not None and stop.is_set()):
            try:
                batch = refresh(work, catalog, full=full and applied == 0)
            except RETRIED as exc:
                progress(f"batch taken again: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                time.sleep(RETRY_PAUSE_S)
                continue
            if batch is not None:
                applied += 1
                progress(describe(batch))
                continue
            if once:
                break
            for _ in listener.notifies(timeout=poll_s, stop_after=1):
                pass
    return applied
