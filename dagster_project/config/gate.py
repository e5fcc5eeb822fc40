"""The gate of a protected environment, one for every write (dashboards, warehouse migrations, deploys): an
explicit approval, and code that was reviewed (a clean checkout of the environment's deploy branch)."""

from __future__ import annotations

from dagster_project.config.checkout import Checkout


class ApprovalRequired(Exception):
    """A protected environment (the matrix marks it) is written to only with explicit approval."""


class SourceRefused(ApprovalRequired):
    """A protected environment is written to only from a clean checkout of its deploy branch."""


def check_gate(env: str, protected: bool, approve: bool, source: Checkout | None, deploy_branch: str,
               review: str = "hybrid plan") -> None:
    """What a protected environment needs before anything is written; `review` is the command that shows
    what would be written."""
    if not protected:
        return
    if not approve:
        raise ApprovalRequired(f"environment '{env}' is protected (config/instance-matrix.yaml); "
                               f"fix: review `{review}` and re-run with --approve")
    if source is None or source.commit is None or not source.clean or source.branch != deploy_branch:
        found = source.label() if source else "no git checkout"
        raise SourceRefused(f"environment '{env}' is applied to only from a clean checkout of branch "
                            f"'{deploy_branch}' (deploy_branch in config/instance-matrix.yaml); this is {found}; "
                            f"fix: commit (or stash) the changes and apply from '{deploy_branch}'")
