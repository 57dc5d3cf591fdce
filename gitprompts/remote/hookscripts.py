"""Installing gitprompts hooks into a repository (server pre-receive, client pre-commit).

An installed hook carries a marker line, so installing again replaces our own
hook and moves a foreign one aside to ``<name>.legacy`` (chained to, first).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gitprompts.errors import GitCommandError, HookInstallError
from gitprompts.fs.atomic import atomic_write
from gitprompts.git import command as gitcli

MARKER = "# gitprompts-hook: installed by `gitprompts hooks install`"
HOOKS = ("pre-receive", "pre-commit")
_TEMPLATE = """#!/bin/sh
{marker}
# Runs the gitprompts checks; a hook that was here before is kept as {hook}.legacy and runs first.
PYTHONPATH="{pythonpath}${{PYTHONPATH:+:$PYTHONPATH}}" exec "{python}" -m gitprompts.hooks {hook} \\
    --hook "$0" "$@"
"""


def install(repo: str | os.PathLike[str], hooks: Sequence[str] | None = None) -> list[Path]:
    """Install gitprompts hooks into the repository at ``repo``; returns the files written.

    Default: ``pre-receive`` in a bare repository, ``pre-commit`` in one with
    a work tree. A foreign hook already there is kept as ``<name>.legacy``
    and chained to; our own hooks (recognised by their marker line) are
    replaced, so installing twice changes nothing.

    >>> install("/srv/git/prompts.git")               # doctest: +SKIP
    [PosixPath('/srv/git/prompts.git/hooks/pre-receive')]
    """
    where = Path(repo).expanduser().absolute()
    try:
        hooks_dir = Path(gitcli.run(["-C", str(where), "rev-parse", "--git-path", "hooks"]).strip())
        bare = gitcli.run(["-C", str(where), "rev-parse", "--is-bare-repository"]).strip()
    except (GitCommandError, OSError):  # OSError: no git on PATH at all
        raise HookInstallError(where, "it is not a git repository") from None
    if not hooks_dir.is_absolute():
        hooks_dir = where / hooks_dir
    chosen = list(hooks or (["pre-receive"] if bare == "true" else ["pre-commit"]))
    for hook in chosen:
        if hook not in HOOKS:
            raise HookInstallError(where, f"unknown hook {hook!r} (choose from {', '.join(HOOKS)})")
    hooks_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for hook in chosen:
        target = hooks_dir / hook
        text = _TEMPLATE.format(
            marker=MARKER,
            hook=hook,
            python=sys.executable,
            pythonpath=str(Path(__file__).resolve().parents[2]),
        )
        if target.exists() and MARKER not in target.read_text(errors="replace"):
            legacy = target.with_name(hook + ".legacy")
            if legacy.exists():
                raise HookInstallError(
                    where,
                    f"both {target.name} and {legacy.name} exist and neither is ours; "
                    "merge them by hand first",
                )
            os.replace(target, legacy)
        atomic_write(target, text.encode(), mode=0o755)
        written.append(target)
    return written
