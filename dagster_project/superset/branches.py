"""Dashboards-as-code changes made by a service on a git branch of their own (config/branch.py), planned
against the environment so the reply shows what the branch would do:

- `export_to_branch`: a dashboard made in the Superset UI, adopted as code (superset/export.py);
- `create_on_branch`: a dashboard generated from words (superset/generate.py), applied to local only.

Both start from the current commit's superset_assets/, never from the working tree, so a person's
uncommitted edits neither leak into the branch nor get overwritten. The repository is the project's, or
HYBRID_BRANCH_REPO (a clone the service may write branches into).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from slugify import slugify

from dagster_project import paths
from dagster_project.config.branch import checkout_folder, commit_on_branch
from dagster_project.config.checkout import Checkout
from dagster_project.config.matrix import Environment
from dagster_project.superset import control
from dagster_project.superset.export import export_dashboard
from dagster_project.superset.generate import design, write
from dagster_project.superset.templates import load_sources, load_values

REPO_VARIABLE = "HYBRID_BRANCH_REPO"
ASSETS = "superset_assets"
AUTHOR = "hybrid webhooks <hybrid@localhost>"
CREATE_ENVS = ("local",)


def repo_root() -> Path:
    return Path(os.environ.get(REPO_VARIABLE) or paths.PROJECT_ROOT)


def _branch(kind: str, words: str) -> str:
    return f"{kind}/{slugify(words, separator='-')[:50] or 'dashboard'}-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}"


def _commit(root: Path, assets: Path, written: list[Path], branch: str, message: str, user: str) -> str:
    files = {f"{ASSETS}/{p.relative_to(assets).as_posix()}": p.read_bytes() for p in written}
    author = f"{slugify(user)} via hybrid <hybrid@localhost>" if user else AUTHOR  # a chat name is data
    return commit_on_branch(root, branch, files, message, author)


def export_to_branch(environment: Environment, ref: str, user: str = "") -> dict[str, Any]:
    """The dashboard `ref` (id, slug or title) and what it uses, as templates in one commit on a new branch."""
    root = repo_root()
    with tempfile.TemporaryDirectory(prefix="hybrid-export-") as scratch:
        assets = checkout_folder(root, ASSETS, Path(scratch))
        with control.client(environment) as api:
            adoption = export_dashboard(api, ref, assets, environment.name)
        if not adoption.written:
            raise LookupError(f"dashboard {ref!r} is code already ({', '.join(str(p.name) for p in adoption.kept)}); "
                              "nothing to export")
        branch = _branch("export", ref)
        commit = _commit(root, assets, adoption.written, branch,
                         f"Export dashboard {ref} from Superset ({environment.name})", user)
        bundle = control.build(environment, assets=assets)
        plan = control.plan(environment, bundle, source=Checkout(commit, branch, True))
        return {"env": environment.name, "branch": branch, "commit": commit,
                "files": sorted(f"{ASSETS}/{p.relative_to(assets).as_posix()}" for p in adoption.written),
                "skipped": adoption.skipped, "plan": plan.to_json(), "plan_text": plan.text()}


def create_on_branch(environment: Environment, words: str, user: str = "") -> dict[str, Any]:
    """Templates for the words on a new branch, compiled, validated and applied to local."""
    if environment.name not in CREATE_ENVS:
        raise PermissionError(f"/create-dashboard applies to {', '.join(CREATE_ENVS)} only, not {environment.name}; "
                              "review the branch, then promote it as any other change")
    root = repo_root()
    with tempfile.TemporaryDirectory(prefix="hybrid-create-") as scratch:
        assets = checkout_folder(root, ASSETS, Path(scratch))
        plan_of = design(words, str(load_values(assets, environment.name)["schema"]))
        written = write(plan_of, load_sources(environment.name, assets))
        bundle = control.build(environment, assets=assets)  # compiles and validates before anything is committed
        branch = _branch("dashboard", words)
        commit = _commit(root, assets, list(written.values()), branch, f"Dashboard from words: {words}", user)
        result = control.apply(environment, bundle, partial=True, source=Checkout(commit, branch, True))
        dashboard = next(o for o in bundle.of("dashboard") if o.name == plan_of.slug)
        return {"env": environment.name, "branch": branch, "commit": commit, "mart": plan_of.mart.name,
                "dimension": plan_of.dimension.name, "measures": [c.name for c in plan_of.measures],
                "files": sorted(f"{ASSETS}/{r}" for r in written), "applied": result.plan.summary(),
                "dashboard": {"title": dashboard.title, "uuid": dashboard.uuid,
                              "url": f"{environment.value('superset', 'url').rstrip('/')}/superset/dashboard/"
                                     f"{dashboard.body['slug']}/"},
                "charts": [c.name for c in bundle.of("chart") if c.name.startswith(plan_of.slug)]}
