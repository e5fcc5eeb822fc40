"""Code written for review on a git branch of its own, without touching the checkout: the files of the
current commit under a folder are read out to a scratch directory, and new or changed files become one commit
on a new branch whose parent is that commit. The working tree, the index and the current branch stay as they
were (a service writing there would mix its files into whatever a person has in progress). dulwich, so no git
program is needed."""

from __future__ import annotations

import re
import stat
import time
from collections.abc import Mapping
from pathlib import Path

from dulwich.object_store import commit_tree_changes, iter_tree_contents
from dulwich.objects import Blob, Commit
from dulwich.repo import Repo

BRANCH_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$")


class BranchError(ValueError):
    """The branch cannot be made; the message says why and what to do."""


def checkout_folder(root: Path, folder: str, target: Path, ref: str | None = None) -> Path:
    """`folder` (e.g. "superset_assets") of the current commit, or of branch `ref`, written under `target`;
    returns target/folder."""
    with Repo.discover(str(root)) as repo:
        head = repo[repo.refs[b"refs/heads/" + ref.encode()] if ref else repo.head()]
        prefix = folder.rstrip("/").encode() + b"/"
        for entry in iter_tree_contents(repo.object_store, head.tree):
            if entry.path.startswith(prefix) and stat.S_ISREG(entry.mode):
                path = target / entry.path.decode()
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(repo[entry.sha].as_raw_string())
    return target / folder


def commit_on_branch(root: Path, branch: str, files: Mapping[str, bytes], message: str, author: str) -> str:
    """One commit holding `files` ({repository path: content}) on the new `branch`; returns its id."""
    if not BRANCH_NAME.match(branch) or ".." in branch or branch.endswith((".lock", "/")):
        raise BranchError(f"{branch!r} is not a branch name this service makes")
    if not files:
        raise BranchError("nothing to commit: no file was written")
    with Repo.discover(str(root)) as repo:
        ref = b"refs/heads/" + branch.encode()
        if ref in repo.refs:
            raise BranchError(f"branch {branch} exists already; fix: delete it or pick another name")
        parent = repo[repo.head()]
        changes = []
        for path, data in sorted(files.items()):
            blob = Blob.from_string(data)
            repo.object_store.add_object(blob)
            changes.append((path.encode(), stat.S_IFREG | 0o644, blob.id))
        commit = Commit()
        commit.tree = commit_tree_changes(repo.object_store, parent.tree, changes)
        commit.parents = [parent.id]
        commit.author = commit.committer = author.encode()
        commit.author_time = commit.commit_time = int(time.time())
        commit.author_timezone = commit.commit_timezone = 0
        commit.encoding = b"UTF-8"
        commit.message = message.encode()
        repo.object_store.add_object(commit)
        if not repo.refs.add_if_new(ref, commit.id):
            raise BranchError(f"branch {branch} was made by someone else meanwhile; fix: run the command again")
        return commit.id.decode()
