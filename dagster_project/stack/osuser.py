"""Postgres refuses to run as root: when we are root, its files and processes belong to a system user."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from dagster_project.stack.errors import StackError

SERVER_USER = os.environ.get("HYBRID_PG_OS_USER", "hybrid-pg")


def running_as_root() -> bool:
    return os.geteuid() == 0


def server_user() -> str | None:
    """The OS user that owns the server, or None to use the invoking (non-root) user."""
    if not running_as_root():
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        _create_system_user(SERVER_USER)
    return SERVER_USER


def _create_system_user(name: str) -> None:
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run(
        [useradd, "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise StackError(
            f"could not create the unprivileged OS user '{name}' for Postgres: {result.stderr.strip()}",
            "create it yourself (useradd --system hybrid-pg) or set HYBRID_PG_OS_USER to an existing user",
        )


def give_to_server_user(path: Path) -> None:
    """Make `path` (a file, or a directory and what it holds) owned by the server user."""
    user = server_user()
    if user is None:
        return
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def unreachable_parent(path: Path) -> Path | None:
    """The first directory above `path` the server user cannot search, or None when all can be."""
    user = server_user()
    if user is None:
        return None
    uid = pwd.getpwnam(user).pw_uid
    for parent in reversed(path.parents):
        if not parent.exists():
            break  # what does not exist yet, we create searchable
        st = parent.stat()
        if st.st_uid != uid and not st.st_mode & 0o001:
            return parent
    return None


def check_reachable(path: Path, what: str) -> None:
    """The server user must be able to traverse every parent of `path` (a checkout under /root is not)."""
    blocked = unreachable_parent(path)
    if blocked is not None:
        raise StackError(
            f"{what} at {path} is not reachable by the unprivileged user '{server_user()}': "
            f"directory {blocked} is not searchable by other users",
            f"run `chmod o+x {blocked}`, or set HYBRID_STATE_DIR to a directory under /srv, /opt or /var/lib",
        )


def run_as_server_user(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    user = server_user()
    if user is not None:
        kwargs.update(user=user, group=user, extra_groups=[])
        kwargs.setdefault("env", {**os.environ, "HOME": "/tmp"})
    return subprocess.run(args, text=True, capture_output=True, check=False, **kwargs)
