"""The Dockerfiles, read as text: the project's image installs the project the way `make install` does, runs as
a non-root user and serves the code location; Superset's image and configuration match the local stack's."""

from __future__ import annotations

import json
import re
import shlex
import tomllib

import pytest

from dagster_project.dbt.manifest import PREPARE_COMMAND
from dagster_project.stack import superset_runtime as runtime
from dagster_project.stack.superset_venv import SUPERSET_VERSION
from tests.deploy.compose import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip()) for line in joined.splitlines()
            if line.strip()]


STEPS = instructions(DOCKERFILE)
RUNS = [args for op, args in STEPS if op == "RUN"]


def make_recipe(target: str) -> list[str]:
    """The shell lines of a Makefile rule."""
    body = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", MAKEFILE, re.M)
    assert body, f"no rule {target} in the Makefile"
    return [line.strip() for line in body.group(1).splitlines()]


def test_the_image_installs_the_project_as_make_install_does() -> None:
    venv_rule = make_recipe("$(VENV)/.installed")
    make_install = next(line for line in venv_rule if "pip install" in line and "-e" in line)
    make_extra = re.search(r"-e '\.\[([\w,]+)\]'", make_install).group(1)
    docker_install = next(run for run in RUNS if "pip install" in run and " -e " in run)
    assert "python -m venv /opt/venv" in docker_install and "pip install --quiet --upgrade pip" in docker_install
    assert make_extra == "test,screenshots" and docker_install.endswith("pip install --progress-bar off -e .")
    # Same editable install, same flags; the image leaves out what only tests and screenshots need.
    assert _flags(make_install) == _flags(docker_install.split("&&")[-1])
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(extras) == {"test", "screenshots"}


def _flags(command: str) -> list[str]:
    return [arg for arg in shlex.split(command) if arg.startswith("--")]


def test_the_dbt_manifest_is_prepared_with_makes_command_before_runs_get_their_own_target_path() -> None:
    assert PREPARE_COMMAND in MAKEFILE
    prepare_step = next(i for i, (op, args) in enumerate(STEPS) if op == "RUN" and args == PREPARE_COMMAND)
    target_step = next(i for i, (op, args) in enumerate(STEPS) if op == "ENV" and args.startswith("DBT_TARGET_PATH="))
    assert prepare_step < target_step  # else the manifest would be written outside the image's dbt/target


def test_system_packages_come_from_makes_script_and_list_with_the_same_set() -> None:
    make_line = next(line for line in make_recipe("install") if "$(PACKAGES)" in line)
    assert shlex.split(make_line)[1:] == ["$(RUNTIME_PACKAGES)"]
    assert "RUNTIME_PACKAGES = $(shell $(PACKAGES) --list runtime)" in MAKEFILE
    assert ("COPY", "scripts/system-packages.sh scripts/system-packages.txt /opt/hybrid-setup/") in STEPS
    docker_run = next(run for run in RUNS if "system-packages.sh" in run)
    assert "apt-get update" in docker_run
    assert "/opt/hybrid-setup/system-packages.sh --require $(/opt/hybrid-setup/system-packages.sh --list runtime)" \
        in docker_run


def test_the_image_runs_the_code_location_as_a_non_root_user() -> None:
    assert STEPS[0] == ("FROM", "python:3.11-slim-bookworm")
    users = [args for op, args in STEPS if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert [op for op, _ in STEPS].index("USER") > max(i for i, (op, _) in enumerate(STEPS) if op == "RUN")
    command = json.loads(next(args for op, args in STEPS if op == "CMD"))  # exec form: a JSON array
    dagster = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["dagster"]
    assert command[:3] == ["dagster", "code-server", "start"]
    assert command[command.index("-m") + 1] == dagster["module_name"]
    assert command[command.index("--location-name") + 1] == dagster["code_location_name"]
    assert command[command.index("-p") + 1] == "4000" and ("EXPOSE", "4000") in STEPS
    assert ("COPY", "deploy/dagster/dagster.yaml /opt/dagster/dagster_home/dagster.yaml") in STEPS
    assert "DAGSTER_HOME=/opt/dagster/dagster_home" in next(args for op, args in STEPS if op == "ENV")


def test_secrets_and_local_state_never_enter_the_build_context() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".env", ".env.*", ".state/", ".venv/", ".git/", "dbt/target/"} <= ignored


def test_superset_image_is_the_local_version_with_the_postgres_driver_and_the_config() -> None:
    steps = instructions((ROOT / "docker" / "superset" / "Dockerfile").read_text())
    assert steps[0] == ("FROM", f"apache/superset:{SUPERSET_VERSION}")
    assert any(op == "RUN" and "uv pip install" in args and "psycopg2-binary" in args for op, args in steps)
    assert ("COPY", "--chown=superset:superset superset_config.py /app/pythonpath/superset_config.py") in steps
    assert [args for op, args in steps if op == "USER"][-1] == "superset"


def _settings(source: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.setenv("HYBRID_SUPERSET_SECRET_KEY", "k")
    monkeypatch.setenv("HYBRID_SUPERSET_META_DB_URL", "postgresql://superset@db/superset_meta")
    namespace: dict[str, object] = {}
    exec(compile(source, "superset_config", "exec"), namespace)  # noqa: S102 - the project's own config files
    return {k: v for k, v in namespace.items() if k.isupper()}


def test_superset_config_is_the_local_one_plus_the_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    local = _settings(runtime.CONFIG, monkeypatch)
    docker = _settings((ROOT / "docker" / "superset" / "superset_config.py").read_text(), monkeypatch)
    proxy = {"ENABLE_PROXY_FIX": True, "TALISMAN_ENABLED": True, "SESSION_COOKIE_SECURE": True}
    assert docker == {**local, **proxy}
    assert local["TALISMAN_ENABLED"] is False  # local HTTP only; the deployment serves HTTPS
