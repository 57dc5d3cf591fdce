"""Installing gitprompts hooks into a repository (server pre-receive, client pre-commit).

Every hook script gitprompts writes comes from one template shipped with the
package (``hook.sh.tmpl``): the ones ``install`` writes, the ``pre-receive``
``gitprompts serve`` runs pushes through, and the copy-by-hand scripts in the
repository's ``hooks/`` directory (a test keeps those equal to ``render``'s
output). Each only runs ``python -m gitprompts.hooks <hook>``, a module path
that never moves.

An installed hook carries a marker line, so installing again replaces our own
hook and moves a foreign one aside to ``<name>.legacy`` (chained to, first).
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from gitprompts.errors import GitCommandError, HookInstallError
from gitprompts.fs.atomic import atomic_write
from gitprompts.git import command

MARKER = "# gitprompts-hook: installed by `gitprompts hooks install`"
HOOKS = ("pre-receive", "pre-commit")
# The interpreter a hook copied by hand runs: the user's choice, else python3.
DEFAULT_PYTHON = '"${GITPROMPTS_PYTHON:-python3}"'
TEMPLATE = "hook.sh.tmpl"


def render(hook: str, python: str | None = None) -> str:
    """The text of the ``hook`` script (``pre-receive`` or ``pre-commit``).

    With ``python`` (an interpreter's path) the script is pinned: it runs that
    interpreter with this gitprompts first on PYTHONPATH, as ``install`` and
    ``gitprompts serve`` write it. Without, it runs ``$GITPROMPTS_PYTHON`` or
    else ``python3`` as found, with the environment as it is: the scripts in
    the repository's ``hooks/`` directory, which users copy by hand.

    >>> print(render("pre-commit").splitlines()[-1])
    exec "${GITPROMPTS_PYTHON:-python3}" -m gitprompts.hooks pre-commit --hook "$0" "$@"
    """
    if hook not in HOOKS:
        raise ValueError(f"unknown hook {hook!r} (choose from {', '.join(HOOKS)})")
    environment = ""
    if python is not None:
        # The directory holding this gitprompts package, so the hook checks
        # with the code that wrote it even outside the environment it lives in.
        package_parent = os.fspath(Path(__file__).resolve().parents[2])
        environment = (
            f"PYTHONPATH={shlex.quote(package_parent)}${{PYTHONPATH:+:$PYTHONPATH}}\n"
            "export PYTHONPATH\n"
        )
    template = resources.files("gitprompts.remote").joinpath(TEMPLATE).read_text(encoding="utf-8")
    return template.format(
        marker=MARKER,
        hook=hook,
        environment=environment,
        python=DEFAULT_PYTHON if python is None else shlex.quote(python),
    )


def install(repo: str | os.PathLike[str], hooks: Sequence[str] | None = None) -> list[Path]:
    """Install gitprompts hooks into the repository at ``repo``; returns the files written.

    Default: ``pre-receive`` in a bare repository, ``pre-commit`` in one with
    a work tree. ``pre-receive`` is pinned to this interpreter and this
    gitprompts; ``pre-commit`` runs ``$GITPROMPTS_PYTHON``, else ``python3``
    as found on PATH when git runs it (set GITPROMPTS_PYTHON when gitprompts
    lives in a venv that is not active while committing). A foreign hook
    already there is kept as ``<name>.legacy`` and chained to; our own hooks
    (recognised by their marker line) are replaced, so installing twice
    changes nothing.

    >>> import subprocess, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = subprocess.run(["git", "init", "-q", "--bare", d], check=True)
    ...     [p.name for p in install(d)]
    ['pre-receive']
    """
    where = Path(repo).expanduser().absolute()
    try:
        hooks_dir = Path(
            command.run(["-C", str(where), "rev-parse", "--git-path", "hooks"]).strip()
        )
        bare = command.run(["-C", str(where), "rev-parse", "--is-bare-repository"]).strip()
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
        # pre-receive runs on a server, from the environment that installed it:
        # pinned. pre-commit runs in a developer's work tree, where the venv
        # that ran `install` may be moved or rebuilt, or belong to one person
        # of a team: it finds $GITPROMPTS_PYTHON, else python3 on PATH, when it runs.
        text = render(hook, python=sys.executable if hook == "pre-receive" else None)
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
