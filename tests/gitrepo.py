"""A throw-away git repository holding a folder, committed once (dulwich; its hooks never run)."""

from __future__ import annotations

from pathlib import Path

from dulwich import porcelain


def committed_repo(repo_dir: Path) -> bytes:
    """`repo_dir` (its files already in place) as a repository with one commit of every file; returns it."""
    repo = porcelain.init(str(repo_dir))
    try:
        repo.hooks.clear()  # a hook is a program; the test needs none
        porcelain.add(repo, [str(p) for p in repo_dir.rglob("*") if p.is_file() and ".git" not in p.parts])
        return porcelain.commit(repo, message=b"start", author=b"t <t@x>", committer=b"t <t@x>", no_verify=True)
    finally:
        repo.close()
