"""The checkout an apply records and a protected environment demands, read from a real git repository
(made with dulwich, as the platform reads it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dulwich import porcelain

from dagster_project.config.checkout import Checkout, read_checkout
from dagster_project.config.gate import ApprovalRequired, SourceRefused, check_gate


def _repo(path: Path, branch: str = "main") -> str:
    repo = porcelain.init(str(path))
    (path / "a.yaml").write_text("a: 1\n")
    porcelain.add(repo, [str(path / "a.yaml")])
    repo.hooks.clear()  # git's hooks are shell scripts; none is needed to make a commit
    commit = porcelain.commit(repo, message=b"first", author=b"t <t@x>", committer=b"t <t@x>").decode()
    repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/" + branch.encode())
    repo.refs[b"refs/heads/" + branch.encode()] = commit.encode()
    repo.close()
    return commit


def test_a_clean_tree_then_an_edit_then_an_untracked_template(tmp_path: Path) -> None:
    commit = _repo(tmp_path)
    assert read_checkout(tmp_path) == Checkout(commit, "main", True)
    (tmp_path / "a.yaml").write_text("a: 2\n")
    assert read_checkout(tmp_path) == Checkout(commit, "main", False, ("a.yaml",))
    (tmp_path / "a.yaml").write_text("a: 1\n")
    (tmp_path / "adopted.yaml").write_text("b: 1\n")  # what `hybrid export` writes and nobody committed
    assert read_checkout(tmp_path) == Checkout(commit, "main", False, ("adopted.yaml",))


def test_outside_git_the_image_build_names_the_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HYBRID_GIT_COMMIT", raising=False)
    assert read_checkout(tmp_path) == Checkout(None, None, False)
    monkeypatch.setenv("HYBRID_GIT_COMMIT", "c" * 40)
    monkeypatch.setenv("HYBRID_GIT_BRANCH", "main")
    assert read_checkout(tmp_path) == Checkout("c" * 40, "main", True)


def test_a_protected_environment_takes_only_a_clean_tree_on_its_branch(tmp_path: Path) -> None:
    commit = _repo(tmp_path, branch="feature-x")
    with pytest.raises(ApprovalRequired, match="--approve"):
        check_gate("production", True, False, read_checkout(tmp_path), "main")
    with pytest.raises(SourceRefused, match=f"branch 'main'.*commit {commit[:12]} on feature-x \\(clean\\)"):
        check_gate("production", True, True, read_checkout(tmp_path), "main")
    (tmp_path / "a.yaml").write_text("a: 2\n")
    with pytest.raises(SourceRefused, match="uncommitted changes: a.yaml"):
        check_gate("production", True, True, read_checkout(tmp_path), "feature-x")
    (tmp_path / "a.yaml").write_text("a: 1\n")
    check_gate("production", True, True, read_checkout(tmp_path), "feature-x")
    check_gate("local", False, False, read_checkout(tmp_path / "nowhere"), "main")  # unprotected: anything goes
