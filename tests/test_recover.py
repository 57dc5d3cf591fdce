"""Recovering after a killed writer never deletes a ref lock that a plain git process holds.

A writer logs its ref update (``gitprompts.txn``) before it locks the refs; the
next writer finishes or drops that update and removes the dead writer's
``<ref>.lock`` files. A lock on the same ref taken meanwhile by a plain
``git`` command is not the dead writer's: it must be left alone, the write
refused with ``ConcurrentUpdateError``, and git's update must go through.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gitprompts.errors import ConcurrentUpdateError
from gitprompts.registry import Registry

from .conftest import git

ROOT = Path(__file__).resolve().parent.parent
MAIN = "refs/heads/main"

WRITER = textwrap.dedent(
    """
    import sys
    from gitprompts.registry import Registry
    Registry(sys.argv[1], create=False).register("x", "from the writer that dies")
    """
)


def _killed_writer(path: Path, point: str) -> None:
    """A writer SIGKILLed at ``point`` of its ref update (``GITPROMPTS_CRASH_AT``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GITPROMPTS_CRASH_AT": point}
    done = subprocess.run([sys.executable, "-c", WRITER, str(path)], env=env, timeout=60)
    assert done.returncode == -signal.SIGKILL
    assert (path / "gitprompts.txn").exists()


class GitHoldingLock:
    """``git update-ref --stdin`` stopped after ``prepare``: it holds ``<ref>.lock``."""

    def __init__(self, path: Path, ref: str, new: str, old: str) -> None:
        self.proc = subprocess.Popen(
            ["git", "--git-dir", str(path), "update-ref", "--stdin"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"start\nupdate {ref} {new} {old}\nprepare\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline() == "start: ok\n"
        assert self.proc.stdout.readline() == "prepare: ok\n"

    def commit(self) -> None:
        _, err = self.proc.communicate("commit\n", timeout=30)
        assert self.proc.returncode == 0, err

    def abort(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=30)


def _next_commit(path: Path) -> str:
    """A commit on top of main (what the plain git user is about to move main to)."""
    return git(
        "--git-dir", str(path), "commit-tree", "main^{tree}", "-p", "main", "-m", "by plain git"
    ).strip()


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    reg = Registry(tmp_path / "r.git")
    reg.register("x", "one")
    return reg


@pytest.mark.parametrize("point", ["before-lock", "locks-taken"])
def test_a_lock_taken_by_plain_git_after_the_writer_died_is_left_alone(
    registry: Registry, point: str
) -> None:
    path = registry.path
    _killed_writer(path, point)
    lock = path / (MAIN + ".lock")
    lock.unlink(missing_ok=True)  # (after locks-taken: the user removed the stale lock by hand)
    old = git("--git-dir", str(path), "rev-parse", "main").strip()
    theirs = _next_commit(path)
    holder = GitHoldingLock(path, MAIN, theirs, old)
    try:
        held = lock.stat()
        with pytest.raises(ConcurrentUpdateError, match=r"refs/heads/main\.lock"):
            Registry(path, create=False).register("x", "two")
        assert (lock.stat().st_ino, lock.stat().st_size) == (held.st_ino, held.st_size)
        holder.commit()  # git's own update is not broken by us
    finally:
        holder.abort()
    assert git("--git-dir", str(path), "rev-parse", "main").strip() == theirs
    # The dead writer's update lost the race: nothing of it is applied afterwards,
    # and the registry is writable again with numbering intact.
    after = Registry(path, create=False).register("x", "two")
    assert after.version == 2
    assert git("--git-dir", str(path), "tag", "-l", "prompts/x/*").split() == [
        "prompts/x/1",
        "prompts/x/2",
    ]
    assert not lock.exists() and not (path / "gitprompts.txn").exists()


def test_a_lock_that_is_not_the_one_recorded_is_left_alone(registry: Registry) -> None:
    path = registry.path
    _killed_writer(path, "refs-locked")  # its locks are recorded in the log
    lock = path / (MAIN + ".lock")
    lock.unlink()  # someone removed the stale lock by hand, then plain git took it
    old = git("--git-dir", str(path), "rev-parse", "main").strip()
    holder = GitHoldingLock(path, MAIN, _next_commit(path), old)
    try:
        with pytest.raises(ConcurrentUpdateError, match="not ours"):
            Registry(path, create=False).register("x", "two")
        assert lock.exists()
        holder.commit()
    finally:
        holder.abort()
    assert Registry(path, create=False).register("x", "two").version == 2


@pytest.mark.parametrize("point", ["locks-taken", "refs-locked"])
def test_the_dead_writers_own_locks_are_still_removed(registry: Registry, point: str) -> None:
    path = registry.path
    _killed_writer(path, point)
    assert (path / (MAIN + ".lock")).exists()
    after = Registry(path, create=False).register("x", "three")
    # Its update is finished (version 2) and the next one follows.
    assert after.version == 3
    assert Registry(path, create=False).get("x", 2).template == "from the writer that dies"
    assert not (path / (MAIN + ".lock")).exists()
