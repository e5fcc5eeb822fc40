"""Which code an apply comes from: the project's git commit, branch and whether the tree is clean.

Read with dulwich (pure Python), so no git program is needed. Untracked files count as unclean: a template
that `hybrid export` wrote and nobody committed changes what is applied. A deployed image has no `.git`: its
build sets HYBRID_GIT_COMMIT and HYBRID_GIT_BRANCH to the clean commit it was built from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dulwich.errors import NotGitRepository
from dulwich.repo import Repo

from dagster_project import paths


@dataclass(frozen=True)
class Checkout:
    commit: str | None  # None: not a git checkout (an installed package, a copied directory)
    branch: str | None  # None: detached HEAD
    clean: bool
    changed: tuple[str, ...] = ()  # the first paths that make it unclean

    def label(self) -> str:
        if self.commit is None:
            return ("no git checkout (a deployed image names its commit with the build args HYBRID_GIT_COMMIT "
                    "and HYBRID_GIT_BRANCH)")
        listed = f": {', '.join(self.changed)}" if self.changed else ""
        state = "clean" if self.clean else f"uncommitted changes{listed}"
        return f"commit {self.commit[:12]} on {self.branch or 'a detached HEAD'} ({state})"

    def to_json(self) -> dict[str, Any]:
        return {"commit": self.commit, "branch": self.branch, "clean": self.clean}


def read_checkout(root: Path | None = None) -> Checkout:
    try:
        repo = Repo.discover(str(root or paths.PROJECT_ROOT))
    except NotGitRepository:
        built = os.environ.get("HYBRID_GIT_COMMIT")
        return Checkout(built, os.environ.get("HYBRID_GIT_BRANCH"), True) if built else Checkout(None, None, False)
    from dulwich import porcelain  # 0.2 s of imports: only when a checkout is read, not at every code load

    with repo:
        try:
            commit = repo.head().decode()
        except KeyError:  # a repository without a commit yet
            return Checkout(None, None, False)
        try:
            branch: str | None = porcelain.active_branch(repo).decode()
        except (KeyError, IndexError, ValueError):
            branch = None
        status = porcelain.status(repo)
        changed = [*(p for paths_ in status.staged.values() for p in paths_), *status.unstaged, *status.untracked]
    names = sorted({p.decode() if isinstance(p, bytes) else str(p) for p in changed})
    return Checkout(commit, branch, not names, tuple(names[:5]))
