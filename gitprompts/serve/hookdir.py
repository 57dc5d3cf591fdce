"""The hooks a push through serve runs: the registry's own, plus the gitprompts policy.

A push through ``gitprompts serve`` must run exactly the hooks that ``git
push /srv/registry.git`` runs (an admin's freeze in ``pre-receive``, a
``post-receive`` that notifies, an ``update``), and the gitprompts policy
too. Two cases, decided for each push (an admin may install a hook while
serve runs):

- the registry's ``pre-receive`` is the one ``gitprompts hooks install``
  writes (``policy_installed``): it already runs the policy after its
  ``pre-receive.legacy``, so serve changes nothing and git runs the
  registry's hooks itself;
- otherwise serve points ``core.hooksPath`` at a directory of its own
  (``HookDirs``): its ``pre-receive`` is the installed hook's twin (the one
  template), whose ``pre-receive.legacy`` runs the registry's own
  ``pre-receive`` first, and each other hook receive-pack runs
  (``FORWARDED``) that the registry has is a forwarder to the registry's
  hook of that name. The registry's hooks directory reaches the forwarders
  in ``REGISTRY_HOOKS``.

Only the hooks the registry has are forwarded (one directory per such set,
written once): git runs ``update`` once per ref and ``reference-transaction``
two or three times per ref transaction, so a forwarder that found nothing to
run would still cost a shell each time (0.6 ms, median of 200 runs): about
three minutes for a non-atomic push of 100,000 tags. A forwarder whose
target went away exits 0, which git treats as no hook for every name in
``FORWARDED`` (it ignores a hook that does not read its input). Before
running the registry's hook a forwarder removes what serve added to the
environment (the ``GIT_CONFIG_*`` settings, among them ``core.hooksPath``,
and ``PYTHONPATH``, which only the policy hook sets), so the hook and any git
it runs see what a direct push gives them.

>>> dirs = HookDirs()
>>> sorted(p.name for p in dirs.for_hooks(frozenset({"pre-receive", "update"})).iterdir())
['pre-receive', 'pre-receive.legacy', 'update']
>>> dirs.close()
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from gitprompts.errors import GitCommandError
from gitprompts.fs.atomic import atomic_write
from gitprompts.git import command
from gitprompts.remote import hookscripts

# What receive-pack runs besides pre-receive (githooks(5)); for each, a hook that
# exits 0 without reading its input is the same as no hook. Not here:
# push-to-checkout, whose mere presence changes what a push to a non-bare
# repository does (registries are bare).
FORWARDED = (
    "update",
    "post-receive",
    "post-update",
    "reference-transaction",
    "proc-receive",
    "pre-auto-gc",
)
REGISTRY_HOOKS = "GITPROMPTS_SERVE_HOOKS"
# The marker sits on the second line of an installed hook; a hook is small.
_MARKER_WINDOW = 4096

_FORWARDER = """#!/bin/sh
# gitprompts serve: run the served registry's own {target}, as a push straight
# to the registry would (README: "Serve"). serve's git settings (GIT_CONFIG_*,
# core.hooksPath among them) and the policy hook's PYTHONPATH are not the
# registry's: they are taken out of the environment first.
hook="${{{variable}}}/{target}"
if [ -z "${{{variable}}}" ] || [ ! -x "$hook" ]; then
    exit 0
fi
i=0
while [ "$i" -lt "${{GIT_CONFIG_COUNT:-0}}" ]; do
    unset "GIT_CONFIG_KEY_$i" "GIT_CONFIG_VALUE_$i"
    i=$((i + 1))
done
unset GIT_CONFIG_COUNT {variable} PYTHONPATH
exec "$hook" "$@"
"""


def forwarder(target: str) -> str:
    """The script that runs the registry's hook ``target`` with the same arguments and input.

    >>> print(forwarder("post-receive").splitlines()[-1])
    exec "$hook" "$@"
    """
    return _FORWARDER.format(target=target, variable=REGISTRY_HOOKS)


def _write_hooks(where: Path, python: str, forward: Iterable[str]) -> None:
    text = hookscripts.render("pre-receive", python=python)
    atomic_write(where / "pre-receive", text.encode(), mode=0o755)
    for name in forward:
        # The registry's own pre-receive runs as the policy hook's .legacy, first.
        file = "pre-receive.legacy" if name == "pre-receive" else name
        atomic_write(where / file, forwarder(name).encode(), mode=0o755)


def make_hooks_dir(python: str = sys.executable, forward: Iterable[str] = ()) -> Path:
    """A fresh directory: the policy ``pre-receive``, and forwarders for the hooks ``forward``.

    The ``pre-receive`` is the one ``gitprompts hooks install`` writes: it
    imports this very gitprompts (its parent directory goes first on
    PYTHONPATH), so a served push is checked by the code that serves it, and
    it runs its ``pre-receive.legacy`` first: forwarding ``pre-receive``
    makes that the registry's own ``pre-receive``.

    >>> hooks = make_hooks_dir(forward=["update"])
    >>> os.access(hooks / "pre-receive", os.X_OK), os.access(hooks / "update", os.X_OK)
    (True, True)
    >>> shutil.rmtree(hooks)
    """
    hooks = Path(tempfile.mkdtemp(prefix="gitprompts-serve-hooks-"))
    _write_hooks(hooks, python, forward)
    return hooks


class HookDirs:
    """serve's hook directories under one temporary root, one per set of registry hooks.

    >>> dirs = HookDirs()
    >>> dirs.for_hooks(frozenset()) == dirs.for_hooks(frozenset())
    True
    >>> dirs.close()
    """

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python
        self.root = Path(tempfile.mkdtemp(prefix="gitprompts-serve-hooks-"))
        self._made: dict[frozenset[str], Path] = {}
        self._lock = threading.Lock()

    def for_hooks(self, present: frozenset[str]) -> Path:
        """The directory whose hooks forward to exactly ``present`` (written on first use)."""
        with self._lock:
            found = self._made.get(present)
            if found is None:
                found = Path(tempfile.mkdtemp(prefix="set-", dir=self.root))
                _write_hooks(found, self.python, sorted(present))
                self._made[present] = found
            return found

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def registry_hooks_dir(repo: Path) -> Path:
    """Where git looks for ``repo``'s hooks (``core.hooksPath`` honoured), as an absolute path.

    >>> registry_hooks_dir(tmp_path / "r.git")   # doctest: +SKIP
    PosixPath('/tmp/.../r.git/hooks')
    """
    try:
        out = command.run(
            ["rev-parse", "--git-path", "hooks"],
            git_dir=repo,
            env={"GIT_CONFIG_NOSYSTEM": "1"},  # as the push itself runs (GitApp's CGI env)
        ).strip()
    except (GitCommandError, OSError):
        return repo / "hooks"
    # A relative core.hooksPath is relative to where hooks run: GIT_DIR of a bare repository.
    return repo / out if out else repo / "hooks"


def present_hooks(hooks_dir: Path) -> frozenset[str]:
    """Which of ``pre-receive`` and ``FORWARDED`` git would run from ``hooks_dir``.

    >>> present_hooks(tmp_path)
    frozenset()
    """
    names = ("pre-receive", *FORWARDED)
    return frozenset(n for n in names if os.access(hooks_dir / n, os.X_OK))


def policy_installed(hooks_dir: Path) -> bool:
    """Whether ``hooks_dir`` holds an executable ``pre-receive`` written by ``hooks install``.

    >>> hooks = make_hooks_dir()
    >>> policy_installed(hooks), policy_installed(hooks.parent)
    (True, False)
    >>> shutil.rmtree(hooks)
    """
    hook = hooks_dir / "pre-receive"
    if not os.access(hook, os.X_OK):
        return False
    try:
        with open(hook, "rb") as file:
            head = file.read(_MARKER_WINDOW)
    except OSError:
        return False
    return hookscripts.MARKER.encode() in head


def ui_writes_refused(path: Path) -> str | None:
    """Why the UI must not write to the registry at ``path``, if it must not.

    A push runs the registry's own hooks (a freeze, a review rule); a write
    from the UI is not a push, so git would not run them. Rather than let
    the UI slip past such a rule, it writes only to a registry whose only
    push hook is gitprompts' own policy (which the registry's own checks
    already enforce), or none.

    >>> from gitprompts.registry import Registry
    >>> ui_writes_refused(Registry(tmp_path / "r.git").path) is None
    True
    """
    hooks = registry_hooks_dir(path)
    present = present_hooks(hooks)
    legacy = os.access(hooks / "pre-receive.legacy", os.X_OK)
    if not present or (present == {"pre-receive"} and policy_installed(hooks) and not legacy):
        return None
    shown = ", ".join(sorted(present | ({"pre-receive.legacy"} if legacy else set())))
    return (
        f"this registry runs its own hooks on a push ({shown}); a write from the web UI is "
        "not a push, so they would not run: the UI does not write here. Push with "
        "gitprompts or git instead, or remove those hooks"
    )
