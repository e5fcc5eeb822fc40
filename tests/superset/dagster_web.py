"""A Dagster webserver of a test's own over the session's stack: its instance launches each run at once
(Dagster's DefaultRunCoordinator) and no daemon runs, so no sensor, schedule or automation does what the test
asks a surface to do; only the runs the test launches."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from dagster_project.stack.local import LocalStack
from dagster_project.stack.process import BackgroundProcess
from dagster_project.stack.scratch import free_port


def own_webserver(stack: LocalStack, home: Path, monkeypatch: pytest.MonkeyPatch,
                   env: dict[str, str]) -> BackgroundProcess:
    """Not started yet; `env` overrides the stack's variables for the runs (a warehouse of the test's own)."""
    stack.dagster_port = free_port()
    monkeypatch.setenv("DAGSTER_WEBSERVER_URL", f"http://127.0.0.1:{stack.dagster_port}")
    stack._prepare_dagster(lambda _: None)
    instance = yaml.safe_load((stack.dagster_home / "dagster.yaml").read_text())
    instance["run_coordinator"] = {"module": "dagster.core.run_coordinator", "class": "DefaultRunCoordinator"}
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance))
    webserver = next(p for p in stack._dagster_processes() if p.spec.name == "dagster-webserver")
    spec = dataclasses.replace(webserver.spec, env={**webserver.spec.env, **env, "DAGSTER_HOME": str(home)})
    return BackgroundProcess(spec, stack.state_dir)
