"""Git hooks: the server's ``pre-receive`` rules and the client's prompt-file validation.

``check_push`` is the whole server-side policy; ``gitprompts serve`` calls
it for pushes over HTTP, and ``hooks/pre-receive`` calls it through
``python -m gitprompts.hooks pre-receive``. A push is refused when it

- deletes or moves a ``prompts/*`` tag (published versions never change);
- creates a version tag whose number is not the next one for its prompt;
- tags a commit whose ``prompts/<name>.prompt`` is missing or invalid;
- rewrites ``main`` (non-fast-forward) or deletes it;
- brings a ``main`` with a ``.prompt`` (or state) file that does not parse.

>>> check_push(Path("p.git"), [(ZERO, "3f2a", "refs/tags/prompts/greet/1")])  # doctest: +SKIP
[]
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from . import gitbackend, promptfile, state
from .errors import GitPromptsError
from .registry import MAIN, prompt_path, state_path, tag_ref
from .uri import validate_name

ZERO = "0" * 40
_TAGS = "refs/tags/prompts/"


def check_push(repo_path: Path, updates: Sequence[tuple[str, str, str]]) -> list[str]:
    """One refusal line per violated rule for ``(old, new, ref)`` updates; [] accepts the push.

    The pushed objects must be readable: in a pre-receive hook they are in
    the quarantine directory (``GIT_QUARANTINE_PATH``), which is added here.

    >>> check_push(Path("srv.git"), [(ZERO, new_tag, "refs/tags/prompts/x/5")])  # doctest: +SKIP
    ['refs/tags/prompts/x/5: refused: version 5 skips a number (the next version of x is 3)']
    """
    repo = gitbackend.GitRepo(Path(repo_path))
    quarantine = os.environ.get("GIT_QUARANTINE_PATH")
    if quarantine:
        gitbackend.add_object_dir(repo, quarantine)
    problems: list[str] = []
    main_after = repo.ref(MAIN)
    for _old, new, ref in updates:
        if ref == MAIN:
            main_after = None if new == ZERO else new
    created: dict[str, list[tuple[int, str, str]]] = {}
    for old, new, ref in updates:
        if ref == MAIN:
            problems += _check_main(repo, old, new)
        elif ref.startswith(_TAGS):
            if old != ZERO and new == ZERO:
                problems.append(f"{ref}: refused: version tags are never deleted")
            elif old != ZERO:
                problems.append(f"{ref}: refused: version tags never move (it is published)")
            else:
                parsed = _parse_tag(ref)
                if parsed is None:
                    problems.append(
                        f"{ref}: refused: version tags are refs/tags/prompts/<name>/<N> "
                        "with a valid prompt name and N = 1, 2, 3 ..."
                    )
                    continue
                name, number = parsed
                created.setdefault(name, []).append((number, new, ref))
    for name, tags in sorted(created.items()):
        problems += _check_new_versions(repo, name, sorted(tags), main_after)
    return problems


def _parse_tag(ref: str) -> tuple[str, int] | None:
    name, _, number = ref[len(_TAGS) :].rpartition("/")
    try:
        validate_name(name)
    except GitPromptsError:
        return None
    if not number.isdigit() or number.startswith("0"):
        return None
    return name, int(number)


def _existing_latest(repo: gitbackend.GitRepo, name: str) -> int:
    """The highest existing version number: the state on main, then probing single tags."""
    main = repo.ref(MAIN)
    number = 0
    if main is not None:
        blob = repo.blob_at(main, state_path(name))
        if blob is not None:
            try:
                number = state.decode(repo.read_blob(blob)).latest
            except GitPromptsError:
                number = 0
    while number > 0 and repo.ref(tag_ref(name, number)) is None:
        number -= 1
    while repo.ref(tag_ref(name, number + 1)) is not None:
        number += 1
    return number


def _check_new_versions(
    repo: gitbackend.GitRepo, name: str, tags: list[tuple[int, str, str]], main: str | None
) -> list[str]:
    problems = []
    expected = _existing_latest(repo, name) + 1
    for number, oid, ref in tags:
        if number != expected:
            problems.append(
                f"{ref}: refused: version {number} is not the next number of prompt {name!r} "
                f"(expected {expected}; pull, then push again)"
            )
            continue
        expected += 1
        info = gitbackend.tag_object_info(repo, oid)
        if info is None:
            problems.append(f"{ref}: refused: it must point at a commit (an annotated tag)")
            continue
        path = prompt_path(name)
        blob = repo.blob_at(info.commit, path)
        if blob is None:
            problems.append(f"{ref}: refused: its commit {info.commit[:12]} has no {path}")
            continue
        try:
            promptfile.decode(repo.read_blob(blob), f"{path} at {ref}")
        except GitPromptsError as exc:
            problems.append(f"{ref}: refused: invalid prompt file: {_one_line(exc)}")
            continue
        if main is not None and not repo.is_ancestor(info.commit, main):
            problems.append(
                f"{ref}: refused: its commit {info.commit[:12]} is not on main "
                "(push main together with the tag)"
            )
    return problems


def _check_main(repo: gitbackend.GitRepo, old: str, new: str) -> list[str]:
    if new == ZERO:
        return [f"{MAIN}: refused: main is never deleted"]
    if old != ZERO and not repo.is_ancestor(old, new):
        return [
            f"{MAIN}: refused: non-fast-forward (main is never rewritten; "
            "pull and rebase onto the remote main, then push)"
        ]
    problems = []
    base = None if old == ZERO else old
    for path in gitbackend.changed_paths(repo, base, new, "prompts"):
        blob = repo.blob_at(new, path)
        if blob is None:
            continue  # removed
        name = path[len("prompts/") :].removesuffix(".prompt")
        if not path.endswith(".prompt"):
            problems.append(f"{MAIN}: refused: {path} is not a .prompt file")
            continue
        try:
            validate_name(name)
            promptfile.decode(repo.read_blob(blob), path)
        except GitPromptsError as exc:
            problems.append(f"{MAIN}: refused: invalid prompt file {path}: {_one_line(exc)}")
    for path in gitbackend.changed_paths(repo, base, new, "state"):
        blob = repo.blob_at(new, path)
        if blob is not None:
            try:
                state.decode(repo.read_blob(blob), path)
            except GitPromptsError as exc:
                problems.append(f"{MAIN}: refused: invalid state file {path}: {_one_line(exc)}")
    return problems


def _one_line(exc: BaseException) -> str:
    return " ".join(line.strip() for line in str(exc).splitlines() if line.strip())


# -- client side: validating .prompt files ----------------------------------------


def validate_file(path: str, data: bytes) -> list[str]:
    """Problems with one ``.prompt`` file (its name is the prompt's name); [] when valid.

    >>> validate_file("prompts/greet.prompt", b"Hello {{ name }}")
    []
    """
    problems = []
    name = Path(path).name.removesuffix(".prompt")
    try:
        validate_name(name)
    except GitPromptsError as exc:
        problems.append(f"{path}: {_one_line(exc)}")
    try:
        promptfile.decode(data, path)
    except GitPromptsError as exc:
        problems.append(f"{path}: {_one_line(exc)}")
    return problems


def validate_paths(paths: Sequence[str]) -> list[str]:
    """Validate ``.prompt`` files on disk (what the pre-commit framework passes)."""
    problems = []
    for path in paths:
        if path.endswith(".prompt"):
            problems += validate_file(path, Path(path).read_bytes())
    return problems


def validate_staged() -> list[str]:
    """Validate the staged content of the ``.prompt`` files the next commit adds or changes."""
    names = _git(["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--", "*.prompt"])
    problems = []
    for path in filter(None, names.decode().split("\0")):
        problems += validate_file(path, _git(["show", f":{path}"]))
    return problems


def _git(args: list[str], input: bytes | None = None) -> bytes:
    return subprocess.run(["git", *args], input=input, capture_output=True, check=True).stdout


# -- installing ------------------------------------------------------------------------

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
    from .errors import HookInstallError

    where = Path(repo).expanduser().absolute()
    try:
        hooks_dir = Path(
            _git(["-C", str(where), "rev-parse", "--git-path", "hooks"]).decode().strip()
        )
        bare = _git(["-C", str(where), "rev-parse", "--is-bare-repository"]).decode().strip()
    except (subprocess.CalledProcessError, OSError):
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
            pythonpath=str(Path(__file__).resolve().parent.parent),
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
        temp = target.with_name(f".{hook}.{os.getpid()}.tmp")
        temp.write_text(text)
        temp.chmod(0o755)
        os.replace(temp, target)
        written.append(target)
    return written


# -- entry point: python -m gitprompts.hooks ---------------------------------------


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
