"""Bounded disk: git's own ``gc --auto``, started in the background after writes.

Every version leaves its objects loose (a blob, a few trees, a commit, a
tag: ~30 KiB of 4 KiB blocks), and nothing else ever packs them; measured,
10,000 prompts took 2.53 GiB loose for 8 MiB packed. So after each write
that moved a ref, ``after_write`` looks (~50 µs: four of git's 256 loose
object directories and the pack directory) and, when the loose objects are
estimated at more than the packs (and at least ``FLOOR`` bytes), starts
``python -m gitprompts.git.maintenance REPO`` in its own session and
returns. That process:

1. packs the loose objects with git's own ``git maintenance run
   --task=loose-objects --task=commit-graph`` (then ``git prune-packed``;
   the commit-graph keeps history walks, as in a pull, from parsing every
   commit), or, once there are
   ``PACK_LIMIT`` packs, consolidates with ``git gc`` (``gc.packRefs=false``).
   It takes no gitprompts lock: git's own locks (``maintenance.lock``,
   ``gc.pid``) keep two of them apart, and both are made to run beside
   writers: a loose object is deleted only once it is in a pack, and gc
   prunes only unreachable objects older than two weeks, so the objects of a
   version being written (no ref names them yet) are kept; a concurrent
   ``git fetch`` into the same objects (``pull``) adds a pack this gc did not
   start with, which it therefore does not delete.
2. packs the refs (``git pack-refs --all --prune``: 100,000 loose tag files
   are 400 MiB of 4 KiB blocks) while holding the registry's writer lock,
   because pack-refs takes every ``<ref>.lock`` it prunes and a gitprompts
   writer that met one would fail its compare-and-swap.

It never runs on a ``gitprompts-sync-*`` side directory (those share the
registry's objects but not its refs: a prune there would delete them).
``GITPROMPTS_MAINTENANCE=0`` turns it off (for a registry that runs
``git maintenance`` from cron instead).

>>> after_write(tmp_path / "not-a-registry")  # nothing to look at: does nothing
False
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gitprompts.core.layout import LOCK_FILE, MAINTENANCE_FILE
from gitprompts.git.command import SideDir, run

# Below this much loose data a registry is not worth a process (it is then at
# most FLOOR bytes over what gc would make it).
FLOOR = 1 << 20
# Loose-object directories sampled (of 256; git's own check reads "17" alone).
_SAMPLED = ("17", "5c", "a3", "e8")
# A start within this many seconds is not repeated (the child takes ~0.1 s to
# take its lock; writers in between would each start a process that exits).
_INTERVAL_S = 2.0
# Packs past which they are consolidated into one (git's gc.autoPackLimit is 50).
PACK_LIMIT = 20
ENV = "GITPROMPTS_MAINTENANCE"
_children: list[subprocess.Popen[bytes]] = []


def _disk(entry: os.DirEntry[str]) -> int:
    return entry.stat(follow_symlinks=False).st_blocks * 512


def loose_bytes(repo: Path) -> int:
    """Disk used by loose objects, estimated from ``_SAMPLED`` directories."""
    used = 0
    for name in _SAMPLED:
        try:
            with os.scandir(repo / "objects" / name) as entries:
                used += sum(_disk(e) for e in entries)
        except OSError:
            continue
    return used * 256 // len(_SAMPLED)


def packed_bytes(repo: Path) -> int:
    """Disk used by packs (and their indexes)."""
    try:
        with os.scandir(repo / "objects" / "pack") as entries:
            return sum(_disk(e) for e in entries)
    except OSError:
        return 0


def has_commit_graph(repo: Path) -> bool:
    info = repo / "objects" / "info"
    return (info / "commit-graph").exists() or (info / "commit-graphs").is_dir()


def needed(repo: Path) -> bool:
    """Whether the loose objects outweigh the packs (and ``FLOOR``), or a big repository has
    no commit-graph (a fresh clone: walking 100,000 commits without one made every pull of
    one version cost ~3 s on each side)."""
    loose = loose_bytes(repo)
    if loose > FLOOR and loose > packed_bytes(repo):
        return True
    return not has_commit_graph(repo) and packed_bytes(repo) > FLOOR


def _side_directory(repo: Path) -> bool:
    return repo.name.startswith(SideDir.PREFIX)


@contextmanager
def _running(repo: Path) -> Iterator[bool]:
    """Hold the maintenance lock (an flock on MAINTENANCE_FILE) if free: True if held.

    A run holds it throughout, so a write that finds it held starts nothing;
    the kernel drops it with the process, so a killed run leaves no stale lock.
    """
    try:
        fd = os.open(repo / MAINTENANCE_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield False  # a read-only registry: nothing to maintain from here
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def after_write(repo: Path) -> bool:
    """Start maintenance in the background if the repository needs it; True if started."""
    if os.environ.get(ENV, "1") == "0" or _side_directory(repo) or not needed(repo):
        return False
    stamp = repo / MAINTENANCE_FILE
    try:
        if time.time() - stamp.stat().st_mtime < _INTERVAL_S:
            return False
    except FileNotFoundError:
        pass
    with _running(repo) as free:
        if not free:
            return False
    try:
        stamp.touch()
    except OSError:
        return False
    # Kept, so that a child still running is not reported as leaked when
    # the writer's handle on it goes; reaped at the next start.
    _children[:] = [child for child in _children if child.poll() is None]
    _children.append(
        subprocess.Popen(
            [sys.executable, "-m", "gitprompts.git.maintenance", str(repo)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # survives the writer; a ^C in its terminal does not reach it
            close_fds=True,
        )
    )
    return True


def pack_count(repo: Path) -> int:
    try:
        return sum(1 for p in (repo / "objects" / "pack").iterdir() if p.suffix == ".pack")
    except OSError:
        return 0


def run_maintenance(repo: Path, *, lock_timeout: float = 600.0) -> None:
    """Pack objects (git's own tasks, beside writers), then refs (under the writer lock)."""
    if _side_directory(repo):
        raise ValueError(f"{repo} is a sync side directory: never maintained")
    with _running(repo) as free:
        if free:
            _maintain(repo, lock_timeout)


def _maintain(repo: Path, lock_timeout: float) -> None:
    if pack_count(repo) >= PACK_LIMIT:
        # Consolidate: git's full gc (repack -A, two-week prune grace), refs left to step 2.
        run(["-c", "gc.packRefs=false", "-c", "gc.autoDetach=false", "gc", "--quiet"], git_dir=repo)
    else:
        # git's loose-objects task deletes loose objects that are already packed,
        # then packs the others; prune-packed then drops the ones it just packed.
        # The commit-graph task adds the new commits to an incremental graph.
        run(
            ["maintenance", "run", "--task=loose-objects", "--task=commit-graph", "--quiet"],
            git_dir=repo,
        )
        run(["prune-packed", "--quiet"], git_dir=repo)
    import filelock

    with filelock.FileLock(str(repo / LOCK_FILE), timeout=lock_timeout):
        run(["pack-refs", "--all", "--prune"], git_dir=repo)


if __name__ == "__main__":  # pragma: no cover - run in a child process by after_write
    run_maintenance(Path(sys.argv[1]))
