"""Running the ``git`` command line: the transport for push, pull and clone.

libgit2's network code is pathological with 100k tags (see DESIGN.md), so
everything that talks to another repository goes through ``git`` itself.
Progress goes to the user's terminal only when stderr is one (``--progress``
is passed then); otherwise git's output is captured and shown in errors.

An http(s) remote that asks for credentials gets ``GITPROMPTS_TOKEN`` when
it is set: git is handed a credential helper through ``GIT_CONFIG_*``
environment variables (never argv, never a config file) that prints the
token from its own environment, so the token is on no command line (``ps``)
and in no file. A missing or refused token raises ``AuthenticationError``
naming the URL and the two fixes.

>>> run(["--version"]).startswith("git version")  # doctest: +SKIP
True
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from gitprompts.core.urls import without_password
from gitprompts.errors import AuthenticationError, GitCommandError

# Keep git from asking for a password on a terminal it does not own, and
# from running maintenance in the middle of a sync.
_QUIET_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}

TOKEN_VARIABLE = "GITPROMPTS_TOKEN"
# git runs a "!" helper as `sh -c 'HELPER "$@"' HELPER get|store|erase`; the
# shell expands $GITPROMPTS_TOKEN itself and printf is a builtin, so the token
# reaches git through a pipe only. It answers "get" alone: a push that
# succeeds makes git "store" the credential, which must go nowhere.
TOKEN_HELPER = (
    '!f() { test "$1" = get && '
    f"printf 'username=gitprompts\\npassword=%s\\n' \"${TOKEN_VARIABLE}\"; }}; f"
)
# git's words when an http(s) remote wanted credentials it did not get.
_NO_CREDENTIALS = re.compile(r"could not read (?:Username|Password) for '([^']*)'")
_REFUSED = re.compile(r"Authentication failed for '([^']*)'")
_HTTP_URL = re.compile(r"^https?://", re.IGNORECASE)
# What a failing command's error can quote of stderr it also showed live.
_STDERR_TAIL = 16384


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
    code, stdout, stderr = _execute(command, input=input, env=env, show_progress=show_progress)
    if check and code != 0:
        _raise_if_unauthenticated(command, stderr)
        raise GitCommandError(command[1:], code, stderr or stdout.decode("utf-8", "replace"))
    return stdout


def attempt(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    show_progress: bool = False,
) -> tuple[int, str, str]:
    """Run ``git ARGS`` and return ``(exit code, stdout, stderr)`` whatever git answers.

    With ``show_progress`` stderr goes live to the terminal (and "" is
    returned for it). A missing or refused token still raises
    ``AuthenticationError``: no caller can do better with that failure.
    """
    command = ["git", *args]
    code, stdout, stderr = _execute(command, input=None, env=env, show_progress=show_progress)
    if code != 0:
        _raise_if_unauthenticated(command, stderr)
    return code, stdout.decode("utf-8", "replace"), "" if show_progress else stderr


def environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment git runs in: ours, quiet, plus the token helper when a token is set.

    >>> env = environment({"GITPROMPTS_TOKEN": "s3cret", "GIT_CONFIG_COUNT": "1"})
    >>> [env[k] for k in ("GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_1", "GIT_CONFIG_VALUE_1")]
    ['3', 'credential.helper', '']
    >>> "s3cret" in env["GIT_CONFIG_VALUE_2"]
    False
    """
    full = {**os.environ, **_QUIET_ENV, **(env or {})}
    if full.get(TOKEN_VARIABLE):
        # Appended after any GIT_CONFIG_* the caller set; the empty value first
        # clears the user's helpers, so the token set here wins over a stored
        # one and is never handed to their store on success.
        count = int(full.get("GIT_CONFIG_COUNT") or 0)
        for i, value in enumerate(("", TOKEN_HELPER), start=count):
            full[f"GIT_CONFIG_KEY_{i}"] = "credential.helper"
            full[f"GIT_CONFIG_VALUE_{i}"] = value
        full["GIT_CONFIG_COUNT"] = str(count + 2)
    return full


def approve_credential(url: str, token: str) -> None:
    """Hand ``token`` for the http(s) ``url`` to git's own credential helper.

    The token travels on ``git credential approve``'s stdin. With no helper
    configured git would drop it silently, so that is refused first.

    >>> approve_credential("https://h.example/git/registry.git", "s3cret")  # doctest: +SKIP
    """
    env = {k: v for k, v in os.environ.items() if k != TOKEN_VARIABLE}
    helpers = run(["config", "--get-all", "credential.helper"], env=env, check=False)
    if not any(line.strip() for line in helpers.splitlines()):
        raise AuthenticationError(
            url,
            "cannot be logged in to: git has no credential helper to keep the token; "
            "set one with `git config --global credential.helper store` (or cache, "
            "osxkeychain, manager), then log in again",
            hint=False,
        )
    request = f"url={url}\nusername=gitprompts\npassword={token}\n\n"
    run(["credential", "approve"], env=env, input=request.encode())


def _execute(
    command: list[str],
    *,
    input: bytes | None,
    env: Mapping[str, str] | None,
    show_progress: bool,
) -> tuple[int, bytes, str]:
    full_env = environment(env)
    if not show_progress or input is not None:
        result = subprocess.run(
            command, input=input, capture_output=True, env=full_env, check=False
        )
        return result.returncode, result.stdout, result.stderr.decode("utf-8", "replace")
    # Progress goes live to the terminal, and its tail is kept: a failure
    # (a refused token) must still be told apart from any other.
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env)
    tail = bytearray()
    copier = threading.Thread(target=_tee_stderr, args=(proc, tail), daemon=True)
    copier.start()
    assert proc.stdout is not None
    stdout = proc.stdout.read()
    code = proc.wait()
    copier.join()
    return code, stdout, tail.decode("utf-8", "replace")


def _tee_stderr(proc: subprocess.Popen[bytes], tail: bytearray) -> None:
    assert proc.stderr is not None
    while chunk := os.read(proc.stderr.fileno(), 65536):
        view = memoryview(chunk)
        while view:
            view = view[os.write(2, view) :]
        tail.extend(chunk)
        del tail[:-_STDERR_TAIL]


def _raise_if_unauthenticated(command: Sequence[str], stderr: str) -> None:
    missing = _NO_CREDENTIALS.search(stderr)
    refused = _REFUSED.search(stderr)
    if missing is None and refused is None:
        return
    named = [arg for arg in command if _HTTP_URL.match(arg)]
    found = missing or refused
    assert found is not None
    url = without_password(named[0] if named else found.group(1))
    if refused is not None:
        reason = "refused the token it was given (authentication failed)"
    else:
        reason = "asks for a token and none was given"
    raise AuthenticationError(url, reason)


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
