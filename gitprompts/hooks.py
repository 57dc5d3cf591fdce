"""Git hooks: ``python -m gitprompts.hooks pre-receive|pre-commit|validate``.

Installed hook scripts in users' repositories call this module path, so it
never moves. The rules live in ``gitprompts.remote.policy`` (what a push or a
commit may contain) and ``gitprompts.remote.hookscripts`` (installing them).

>>> from gitprompts import hooks
>>> hooks.validate_file("prompts/greet.prompt", b"Hello {{ name }}")
[]
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from gitprompts.remote.hookscripts import HOOKS, MARKER, install
from gitprompts.remote.policy import (
    ZERO,
    check_push,
    validate_file,
    validate_paths,
    validate_staged,
)

__all__ = [
    "HOOKS",
    "MARKER",
    "ZERO",
    "check_push",
    "install",
    "main",
    "validate_file",
    "validate_main",
    "validate_paths",
    "validate_staged",
]


def _chain_legacy(hook: str | None, stdin: bytes, args: list[str]) -> int:
    """Run ``<hook>.legacy`` (a hook that was there before ours) with the same input."""
    if not hook:
        return 0
    legacy = Path(hook + ".legacy")
    if not legacy.is_file() or not os.access(legacy, os.X_OK):
        return 0
    return subprocess.run([str(legacy), *args], input=stdin, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    """``pre-receive [--hook PATH]``, ``pre-commit [--hook PATH]`` or ``validate FILE...``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m gitprompts.hooks pre-receive|pre-commit|validate", file=sys.stderr)
        return 2
    command, rest = args[0], args[1:]
    hook = None
    if rest[:1] == ["--hook"] and len(rest) >= 2:
        hook, rest = rest[1], rest[2:]
    if command == "pre-receive":
        stdin = sys.stdin.buffer.read()
        code = _chain_legacy(hook, stdin, rest)
        if code:
            return code
        updates = []
        for line in stdin.decode().splitlines():
            parts = line.split()
            if len(parts) == 3:
                updates.append((parts[0], parts[1], parts[2]))
        repo = Path(os.environ.get("GIT_DIR", "."))
        problems = check_push(repo.absolute(), updates)
    elif command == "pre-commit":
        code = _chain_legacy(hook, b"", rest)
        if code:
            return code
        problems = validate_staged()
    elif command == "validate":
        problems = validate_paths(rest)
    else:
        print(
            f"unknown hook command {command!r}: expected pre-receive, pre-commit or validate",
            file=sys.stderr,
        )
        return 2
    for line in problems:
        print(f"gitprompts: {line}", file=sys.stderr)
    return 1 if problems else 0


def validate_main() -> int:
    """The ``gitprompts-validate FILE...`` console script (the pre-commit framework's entry)."""
    return main(["validate", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
