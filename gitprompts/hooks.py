"""Server-side push checks: ``check_push`` and the ``pre-receive`` entry point.

This is the minimal version that ``gitprompts serve`` relies on (issue 6
brings the full rule set). Rules checked here:

- a published version tag ``refs/tags/prompts/*`` is never deleted or moved;
- ``refs/heads/main`` only moves forward (no force-push, no deletion).

A git ``pre-receive`` hook runs it as ``python -m gitprompts.hooks pre-receive``:
it reads ``<old> <new> <ref>`` lines on stdin, prints one refusal line per
violated rule on stderr and exits 1, or exits 0 to accept.

>>> new_tag = ("0" * 40, "ab" * 20, "refs/tags/prompts/x/1")
>>> check_push(Path("registry.git"), [new_tag])  # doctest: +SKIP
[]
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ZERO = "0" * 40
TAG_PREFIX = "refs/tags/prompts/"
MAIN = "refs/heads/main"


def _is_zero(sha: str) -> bool:
    return not sha.strip("0")


def _is_ancestor(repo_path: Path, old: str, new: str) -> bool:
    """Whether ``old`` is an ancestor of ``new`` (git honours a push's quarantine env)."""
    result = subprocess.run(
        ["git", "--git-dir", os.fspath(repo_path), "merge-base", "--is-ancestor", old, new],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return result.returncode == 0


def check_push(repo_path: Path, updates: Sequence[tuple[str, str, str]]) -> list[str]:
    """One refusal line per violated rule for ``updates`` ([] accepts the push).

    ``updates`` are ``(old_sha, new_sha, refname)`` as ``pre-receive`` reads them.

    >>> check_push(Path("r.git"), [("a" * 40, "0" * 40, "refs/tags/prompts/x/1")])
    ['refusing to delete published version tag refs/tags/prompts/x/1 (versions are immutable)']
    """
    problems: list[str] = []
    for old, new, ref in updates:
        if ref.startswith(TAG_PREFIX) and not _is_zero(old):
            if _is_zero(new):
                problems.append(
                    f"refusing to delete published version tag {ref} (versions are immutable)"
                )
            elif new != old:
                problems.append(
                    f"refusing to move published version tag {ref} (versions are immutable)"
                )
        elif ref == MAIN and not _is_zero(old):
            if _is_zero(new):
                problems.append(f"refusing to delete {ref}")
            elif new != old and not _is_ancestor(repo_path, old, new):
                problems.append(
                    f"refusing non-fast-forward update of {ref} (pull and retry; history "
                    "on main is never rewritten)"
                )
    return problems


def _pre_receive(stdin: Sequence[str]) -> int:
    updates = []
    for line in stdin:
        parts = line.split()
        if len(parts) == 3:
            updates.append((parts[0], parts[1], parts[2]))
    repo = Path(os.environ.get("GIT_DIR", ".")).absolute()
    problems = check_push(repo, updates)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gitprompts.hooks pre-receive``: exit 1 printing refusals, else 0."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["pre-receive"]:
        return _pre_receive(sys.stdin.read().splitlines())
    print("usage: python -m gitprompts.hooks pre-receive", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
