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
from collections.abc import Sequence
from pathlib import Path

from gitprompts.core import promptfile, state
from gitprompts.core.uri import validate_name
from gitprompts.errors import GitPromptsError
from gitprompts.git import repo as gitbackend
from gitprompts.registry.registry import MAIN, prompt_path, state_path, tag_ref

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
