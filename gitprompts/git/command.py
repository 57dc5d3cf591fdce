"""Running the ``git`` command line: the transport for push, pull and clone.

libgit2's network code is pathological with 100k tags (see DESIGN.md), so
everything that talks to another repository goes through ``git`` itself.
Progress goes to the user's terminal only when stderr is one (``--progress``
is passed then); otherwise git's output is captured and shown in errors.

>>> run(["--version"]).startswith("git version")  # doctest: +SKIP
True
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from gitprompts.errors import GitCommandError

# Keep git from asking for a password on a terminal it does not own, and
# from running maintenance in the middle of a sync.
_QUIET_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def run(
    args: Sequence[str],
    *,
    git_dir: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    show_progress: bool = False,
    check: bool = True,
) -> str:
    """Run ``git ARGS`` and return its stdout; a failure raises ``GitCommandError``.

    With ``show_progress`` git's stderr goes straight to ours (a terminal),
    so the user sees objects and refs counting up.
    """
    out = run_bytes(
        args, git_dir=git_dir, env=env, input=input, show_progress=show_progress, check=check
    )
    return out.decode("utf-8", "replace")


def run_bytes(
    args: Sequence[str],
    *,
    git_dir: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    show_progress: bool = False,
    check: bool = True,
) -> bytes:
    """``run``, returning stdout as bytes (file contents must be checked byte for byte)."""
    command = ["git"]
    if git_dir is not None:
        command += ["--git-dir", str(git_dir)]
    command += list(args)
    result = subprocess.run(
        command,
        input=input,
        stdout=subprocess.PIPE,
        stderr=None if show_progress else subprocess.PIPE,
        env={**os.environ, **_QUIET_ENV, **(env or {})},
        check=False,
    )
    if check and result.returncode != 0:
        stderr = (result.stderr or b"").decode("utf-8", "replace")
        stdout = result.stdout.decode("utf-8", "replace")
        raise GitCommandError(command[1:], result.returncode, stderr or stdout)
    return result.stdout


def attempt(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    show_progress: bool = False,
) -> tuple[int, str, str]:
    """Run ``git ARGS`` and return ``(exit code, stdout, stderr)`` whatever happens.

    With ``show_progress`` stderr goes live to the terminal (and "" is returned for it).
    """
    result = subprocess.run(
        ["git", *args],
        stdout=subprocess.PIPE,
        stderr=None if show_progress else subprocess.PIPE,
        env={**os.environ, **_QUIET_ENV, **(env or {})},
        check=False,
    )
    stderr = (result.stderr or b"").decode("utf-8", "replace")
    return result.returncode, result.stdout.decode("utf-8", "replace"), stderr


class SideDir:
    """A throw-away GIT_DIR that shares the registry's objects but holds only a few refs.

    ``git fetch`` and ``git push`` each walk every local ref at least once
    (negotiation, connectivity check); with 100k version tags that walk is
    most of the cost of fetching one new version. Run them from here instead:
    the objects land in the registry's object directory, and the caller then
    moves the registry's refs itself (compare-and-swap, under the lock).
    """

    PREFIX = "gitprompts-sync-"

    def __init__(self, registry: Path, refs: Mapping[str, str | None]) -> None:
        self.registry = registry
        # Callers hold the registry's writer lock, so a side directory already
        # here belongs to a sync that was killed (SIGKILL skips our cleanup).
        for stale in registry.glob(self.PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        self.path = Path(tempfile.mkdtemp(prefix=self.PREFIX, dir=registry))
        for sub in ("refs/heads", "refs/tags", "objects"):
            (self.path / sub).mkdir(parents=True)
        (self.path / "HEAD").write_text("ref: refs/heads/main\n")
        # Never gc here: this GIT_DIR does not see the registry's refs, so a
        # prune would delete the registry's objects.
        (self.path / "config").write_text(
            "[core]\n\trepositoryformatversion = 0\n\tbare = true\n"
            "[gc]\n\tauto = 0\n\tpruneExpire = never\n[maintenance]\n\tauto = false\n"
            "[fetch]\n\twriteCommitGraph = false\n"
        )
        lines = [f"{oid} {ref}\n" for ref, oid in sorted(refs.items()) if oid]
        (self.path / "packed-refs").write_text(
            "# pack-refs with: peeled sorted \n" + "".join(lines)
        )
        self.env = {"GIT_DIR": str(self.path), "GIT_OBJECT_DIRECTORY": str(registry / "objects")}

    def git(self, args: Sequence[str], *, show_progress: bool = False) -> str:
        return run(args, env=self.env, show_progress=show_progress)

    def ref(self, name: str) -> str | None:
        out = run(["rev-parse", "--verify", "-q", name], env=self.env, check=False).strip()
        return out or None

    def refs(self, prefix: str) -> dict[str, str]:
        out = run(["for-each-ref", "--format=%(objectname) %(refname)", prefix], env=self.env)
        return {ref: oid for oid, ref in (line.split(" ", 1) for line in out.splitlines())}

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> SideDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
