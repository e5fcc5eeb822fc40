"""Helpers of the dashboards-as-code tests: a private copy of superset_assets/ whose environments read the
test marts, and the matrix variables pointing at the test session's Superset and warehouse."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from dagster_project import paths
from dagster_project.config.matrix import load_matrix
from dagster_project.superset.bundle import Bundle
from dagster_project.superset.control import build, environment
from tests.superset.conftest import RunningSuperset, marts_reader_uri

URI_VARIABLE = "HYBRID_TEST_MARTS_URI"


@dataclass(frozen=True)
class Plane:
    assets: Path
    superset: RunningSuperset

    def bundle(self, env: str = "local") -> Bundle:
        return build(environment(env), assets=self.assets)

    def values_file(self, env: str) -> Path:
        return self.assets / "environments" / f"{env}.yaml"

    def set_values(self, env: str, **changes: object) -> None:
        path = self.values_file(env)
        values = yaml.safe_load(path.read_text())
        values.update(changes)
        path.write_text(yaml.safe_dump(values, sort_keys=False))


@contextmanager
def private_plane(superset: RunningSuperset, target: Path, monkeypatch, label: str,
                  envs: tuple[str, ...] = ("local",)) -> Iterator[Plane]:
    """Each environment gets its own namespace (UUIDs, marker, apply record), Superset database name and slug
    suffix, so several environments (and test modules) share one Superset without touching each other."""
    shutil.copytree(paths.PROJECT_ROOT / "superset_assets", target)
    plane = Plane(target, superset)
    user, password = superset.stack.superset_admin()
    stack_env, local = superset.stack.env_values(), load_matrix().resolve("local")
    for env in envs:
        upper = env.upper()
        plane.set_values(env, namespace=f"{label}-{env}", database={"name": f"{label}_{env}", "uri_env": URI_VARIABLE},
                         slug_suffix=f"-{label}-{env}", title_suffix=f" ({label} {env})")
        monkeypatch.setenv(f"SUPERSET_URL_{upper}", superset.url)
        monkeypatch.setenv(f"SUPERSET_ADMIN_USER_{upper}", user)
        monkeypatch.setenv(f"SUPERSET_ADMIN_PASS_{upper}", password)
        monkeypatch.setenv(f"SUPERSET_META_DB_URL_{upper}", superset.stack.dsn("superset", "superset_meta"))
        for purpose, names in load_matrix().resolve(env).supabase.variables.items():  # each job's own role
            monkeypatch.setenv(names[0], stack_env[local.supabase.variables[purpose][0]])
    monkeypatch.setenv(URI_VARIABLE, marts_reader_uri(superset.stack))
    monkeypatch.setenv("HYBRID_SUPERSET_ASSETS", str(target))
    yield plane
