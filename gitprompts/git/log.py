"""The commits of a branch that touched some paths, newest first, a page at a time.

git's own ``git log -- PATHS`` walks history in C (and uses the
commit-graph when the repository has one); walking it with pygit2 and
comparing trees per commit in Python costs far more at 100,000 commits.
Paths are taken literally (``--literal-pathspecs``): a prompt name is never
a glob.

>>> path_log(Path("r.git"), "refs/heads/main", ["state/g.json"], limit=2)  # doctest: +SKIP
[CommitInfo(oid='…', parents=('…',), author=Person(...), message='Set alias ...')]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gitprompts.git import command
from gitprompts.git.repo import CommitInfo, Person

_FORMAT = "%x1e%H%x00%P%x00%an%x00%ae%x00%at%x00%B"


def path_log(
    repo: Path, ref: str, paths: Sequence[str], *, skip: int = 0, limit: int = 50
) -> list[CommitInfo]:
    """Up to ``limit`` commits reachable from ``ref`` that changed any of ``paths``,
    newest first, after skipping the ``skip`` newest (an unknown ``ref``: none)."""
    out = command.run_bytes(
        [
            "--literal-pathspecs",
            "log",
            f"--format={_FORMAT}",
            f"--skip={max(0, skip)}",
            f"--max-count={max(0, limit)}",
            "--no-renames",
            ref,
            "--",
            *paths,
        ],
        git_dir=repo,
        check=False,
    )
    found = []
    for record in out.decode("utf-8", "replace").split("\x1e")[1:]:
        fields = record.split("\x00", 5)
        if len(fields) != 6:
            continue
        oid, parents, name, email, stamp, message = fields
        author = Person(name, email, int(stamp or 0))
        found.append(CommitInfo(oid, tuple(parents.split()), author, message.rstrip("\n")))
    return found
