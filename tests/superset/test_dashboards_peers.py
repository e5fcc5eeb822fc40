"""A peer tool beside the control plane: preset-cli (`superset-cli ... sync native`, a real install in its
own environment) imports our compiled bundle with its own defaults. That unlocks every object for UI
edits and rewrites its "edit in Git" link; plan and drift must show exactly that, and apply must put
back exactly what the plan showed."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagster_project.stack.superset_venv import PRESET_CLI
from dagster_project.superset.control import apply, drift, environment, plan
from dagster_project.superset.live import list_live, ownership
from tests.superset.conftest import RunningSuperset
from tests.superset.dashboards import Plane, private_plane

pytestmark = pytest.mark.stack
PEER_URL = "https://peer.example/assets"
OWNED_KINDS = ("dataset", "chart", "dashboard")


@pytest.fixture(scope="module")
def plane(superset: RunningSuperset, marts_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plane]:
    PRESET_CLI.ensure_installed(lambda message: print(message, file=sys.stderr))
    target = tmp_path_factory.mktemp("peers") / "superset_assets"
    with pytest.MonkeyPatch.context() as mp, private_plane(superset, target, mp, "peers") as p:
        yield p


def _sync_native(plane: Plane, bundle_dir: Path) -> None:
    """preset-cli's own import, as a team runs it (its defaults, plus a link prefix); the password goes
    through its prompt, not the command line."""
    user, password = plane.superset.stack.superset_admin()
    argv = [PRESET_CLI.bin_path("superset-cli"), "-p", "--username", user, plane.superset.url,
            "sync", "native", str(bundle_dir), "--overwrite", "--external-url-prefix", PEER_URL]
    done = subprocess.run(argv, input=password + "\n", capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]


def test_a_peer_import_that_unlocks_objects_is_an_update_in_plan_and_drift(plane: Plane, tmp_path: Path) -> None:
    env = environment("local")
    bundle = plane.bundle()
    apply(env, bundle)
    assert plan(env, bundle).changes == [] and drift(env, plane.assets).changes == []
    owned = [obj for obj in bundle.objects if obj.kind in OWNED_KINDS]

    bundle.write(tmp_path)
    _sync_native(plane, tmp_path / bundle.root)
    with plane.superset.client() as client:
        rows = [row for row in list_live(client).values() if row.uuid in bundle.by_uuid()]
        live = ownership(client, rows, env.value("superset", "meta_db_url"))
    assert {uuid: (o["is_managed_externally"], o["external_url"].startswith(PEER_URL)) for uuid, o in live.items()} \
        == {obj.uuid: (False, True) for obj in owned}, "preset-cli unlocked every object and re-linked it"

    planned = plan(env, bundle)
    assert sorted((c.action, c.kind, c.name) for c in planned.changes) == \
        sorted(("update", obj.kind, obj.name) for obj in owned)
    for change in planned.changes:
        obj = bundle.by_uuid()[change.uuid]
        link = ("external_url", obj.body["external_url"], f"{PEER_URL}/{obj.path}")
        assert {(f.path, f.expected, f.actual) for f in change.fields} == {("is_managed_externally", True, False),
                                                                          link}, change
    report = drift(env, plane.assets)
    assert report.status == "DRIFT_FOUND"
    assert sorted((c["action"], c["uuid"]) for c in report.changes) == sorted(("modified", o.uuid) for o in owned)
    assert all({f["path"] for f in c["fields"]} == {"is_managed_externally", "external_url"} for c in report.changes)

    result = apply(env, bundle)
    assert [c.to_json() for c in result.plan.changes] == [c.to_json() for c in planned.changes]
    assert plan(env, bundle).changes == [] and drift(env, plane.assets).changes == []
    with plane.superset.client() as client:
        rows = [row for row in list_live(client).values() if row.uuid in bundle.by_uuid()]
        assert all(o["is_managed_externally"] for o in ownership(client, rows).values()), "locked again (API view)"
