"""The Superset runtime: its cached virtual environment, idempotent `up`, and data across down/up."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dagster_project.stack import superset_venv as venv


def test_venv_is_keyed_by_version_and_pins(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("HYBRID_SUPERSET_VENV", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    default = venv.SUPERSET.path()
    assert default.parent == tmp_path / "hybrid" and default.name.startswith("superset-6.1.0-")
    assert dataclasses.replace(venv.SUPERSET, pins=(*venv.PINS, "extra==1")).path() != default
    assert venv.PRESET_CLI.path().parent == default.parent and venv.PRESET_CLI.path() != default
    monkeypatch.setenv("HYBRID_SUPERSET_VENV", str(tmp_path / "mine"))
    assert venv.SUPERSET.path() == tmp_path / "mine"


def test_only_a_finished_install_counts(tmp_path: Path) -> None:
    """An interrupted install has no marker (or one for other pins): it is redone, not used."""
    (tmp_path / "bin").mkdir()
    assert not venv.SUPERSET.installed(tmp_path)
    (tmp_path / venv.MARKER).write_text("apache-superset==6.0.0")
    assert not venv.SUPERSET.installed(tmp_path)
    (tmp_path / venv.MARKER).write_text("\n".join(venv.PINS))
    assert venv.SUPERSET.installed(tmp_path)


@pytest.mark.stack
def test_up_twice_then_down_up_keeps_the_metadata(superset) -> None:
    local, messages = superset.stack, []
    warehouse = superset.warehouse_id()
    local.up_superset(messages.append)
    assert any("already running" in m for m in messages)
    status = {s.name: s for s in local.status()}["superset"]
    assert (status.state, status.url) == ("running", superset.url)

    assert local.superset.down() and local.superset.state() == "stopped"
    messages.clear()
    local.up_superset(messages.append)
    assert not any("upgrading the metadata database" in m for m in messages)  # initialised once only
    assert any(m.startswith("started Superset") for m in messages)
    assert superset.warehouse_id() == warehouse and local.superset.state() == "running"
