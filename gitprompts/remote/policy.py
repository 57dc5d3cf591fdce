"""Git hooks: the server's ``pre-receive`` rules and the client's prompt-file validation.

``check_push`` is the whole server-side policy (on the contract in
``core.layout``, with the writer's own next-number rule); ``gitprompts serve`` calls
it for pushes over HTTP, and ``hooks/pre-receive`` calls it through
``python -m gitprompts.hooks pre-receive``. A push is refused when it

- deletes or moves a ``prompts/*`` tag (published versions never change);
- creates a version tag whose number is not the next one for its prompt;
- tags a commit whose ``prompts/<name>.prompt`` is missing or invalid;
- creates a version tag that is not an annotated tag (``git tag -a``);
- rewrites ``main`` (non-fast-forward) or deletes it;
- rewrites or deletes the model links (``refs/notes/gitprompts-models``);
- brings a ``main`` with a ``.prompt`` or state file that does not parse, or a
  state file readers could not trust: its ``latest`` must name a version
  tag of that prompt (or be 0), every alias an existing, non-deleted
  version, ``deleted`` and ``version_tags`` existing versions (tags as they
  will be once the push is in).

A refusal that pulling fixes (another push took the version number first,
or a rewritten history) ends with ``PULL_FIRST``, which ``push`` recognises.

>>> check_push(Path("p.git"), [(ZERO, "3f2a", "refs/tags/prompts/greet/1")])  # doctest: +SKIP
[]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from gitprompts.core import artifacts, promptfile, state
from gitprompts.core.layout import (
    ARTIFACTS_FILE,
    MAIN,
    MODELS_NOTES,
    PROMPT_SUFFIX,
    PROMPTS_DIR,
    SHARD_LEVELS,
    STATE_DIR,
    STATE_SUFFIX,
    VERSION_TAGS,
    is_flat_path,
    name_from_path,
    next_number,
    parse_tag_ref,
    prompt_path,
    prompt_paths,
    shard,
    state_path,
    state_paths,
    tag_name,
    tag_ref,
)
from gitprompts.core.uri import validate_name
from gitprompts.errors import (
    CorruptArtifactsSettingError,
    CorruptPromptFileError,
    CorruptStateFileError,
    GitPromptsError,
)
from gitprompts.git.command import run, run_bytes
from gitprompts.git.repo import GitRepo

ZERO = "0" * 40
# The end of every refusal that a pull (then a new push) resolves: the client
# tells the user to pull instead of to fix what the hook reports.
PULL_FIRST = "pull, then push again"
# Refusals listed per state file; past these the file is refused all the same.
_MAX_PROBLEMS = 5


def check_push(repo_path: Path, updates: Sequence[tuple[str, str, str]]) -> list[str]:
    """One refusal line per violated rule for ``(old, new, ref)`` updates; [] accepts the push.

    The pushed objects must be readable: in a pre-receive hook they are in
    the quarantine directory (``GIT_QUARANTINE_PATH``), which is added here.

    >>> check_push(Path("srv.git"), [(ZERO, new_tag, "refs/tags/prompts/x/5")])  # doctest: +SKIP
    ['refs/tags/prompts/x/5: refused: version 5 skips a number (the next version of x is 3)']
    """
    repo = GitRepo(Path(repo_path))
    quarantine = os.environ.get("GIT_QUARANTINE_PATH")
    if quarantine:
        repo.add_object_dir(quarantine)
    problems: list[str] = []
    main_after = repo.ref(MAIN)
    for _old, new, ref in updates:
        if ref == MAIN:
            main_after = None if new == ZERO else new
    created: dict[str, list[tuple[int, str, str]]] = {}
    new_tags = {
        ref for old, new, ref in updates if ref.startswith(VERSION_TAGS) and ZERO == old != new
    }
    for old, new, ref in updates:
        if ref == MAIN:
            problems += _check_main(repo, old, new, new_tags)
        elif ref == MODELS_NOTES:
            problems += _check_notes(repo, old, new)
        elif ref.startswith(VERSION_TAGS):
            if old != ZERO and new == ZERO:
                problems.append(f"{ref}: refused: version tags are never deleted")
            elif old != ZERO:
                problems.append(f"{ref}: refused: version tags never move (it is published)")
            else:
                parsed = parse_tag_ref(ref)
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


def _next_number(repo: GitRepo, name: str) -> int:
    """The number the next version of ``name`` must have (the writer's own rule)."""
    main = repo.ref(MAIN)
    recorded = 0
    found = None if main is None else repo.find_blob(main, state_paths(name))
    if found is not None:
        try:
            recorded = state.decode(_read_state(repo, found[1], found[0])).latest
        except GitPromptsError:
            recorded = 0
    return next_number(recorded, lambda n: repo.ref(tag_ref(name, n)) is not None)


def _check_new_versions(
    repo: GitRepo, name: str, tags: list[tuple[int, str, str]], main: str | None
) -> list[str]:
    problems = []
    expected = _next_number(repo, name)
    for number, oid, ref in tags:
        if number < expected:
            # Usually taken meanwhile: another push got this number in first (a race).
            # Either way, pulling renumbers the version after what the server has.
            taken = (
                f"the server already has version {number}"
                if repo.ref(ref) is not None
                else f"the server's {state_path(name)} says {expected - 1} numbers were given out"
            )
            problems.append(
                f"{ref}: refused: version {number} is not the next number of prompt {name!r} "
                f"(expected {expected}: {taken}; {PULL_FIRST})"
            )
            continue
        if number > expected:
            problems.append(
                f"{ref}: refused: version {number} is not the next number of prompt {name!r} "
                f"(expected {expected}: version numbers are given out one by one, without gaps)"
            )
            continue
        expected += 1
        info = repo.tag_object_info(oid)
        if info is None:
            problems.append(f"{ref}: refused: it must point at a commit (an annotated tag)")
            continue
        if info.ref_target == info.commit:
            problems.append(
                f"{ref}: refused: it is a lightweight tag; a version is an annotated tag "
                f"(git tag -a {tag_name(name, number)} -m MESSAGE), so it records who made it"
            )
            continue
        found = repo.find_blob(info.commit, prompt_paths(name))
        if found is None:
            problems.append(
                f"{ref}: refused: its commit {info.commit[:12]} has no {prompt_path(name)}"
            )
            continue
        path, blob = found
        try:
            promptfile.decode(_read_prompt(repo, blob, f"{path} at {ref}"), f"{path} at {ref}")
        except GitPromptsError as exc:
            problems.append(f"{ref}: refused: invalid prompt file: {_one_line(exc)}")
            continue
        if main is not None and not repo.is_ancestor(info.commit, main):
            problems.append(
                f"{ref}: refused: its commit {info.commit[:12]} is not on main "
                "(push main together with the tag)"
            )
    return problems


def _check_notes(repo: GitRepo, old: str, new: str) -> list[str]:
    """Model links are only ever added to: no deletion, no rewrite."""
    if new == ZERO:
        return [f"{MODELS_NOTES}: refused: model links are never deleted"]
    if old != ZERO and not repo.is_ancestor(old, new):
        return [
            f"{MODELS_NOTES}: refused: non-fast-forward (model links are merged, never "
            f"rewritten; {PULL_FIRST})"
        ]
    return []


def _check_main(repo: GitRepo, old: str, new: str, new_tags: set[str]) -> list[str]:
    if new == ZERO:
        return [f"{MAIN}: refused: main is never deleted"]
    if old != ZERO and not repo.is_ancestor(old, new):
        return [f"{MAIN}: refused: non-fast-forward (main is never rewritten; {PULL_FIRST})"]
    problems = []
    base = None if old == ZERO else old
    flat, sharded = repo.layouts(new, (PROMPTS_DIR, STATE_DIR))
    # Both layouts on one main: the files in the layout main was not in are refused.
    intruder = None
    if flat and sharded:
        intruder = not (base is not None and repo.layouts(base, (PROMPTS_DIR, STATE_DIR))[0])
    for path in repo.changed_paths(base, new, PROMPTS_DIR):
        blob = repo.blob_at(new, path)
        if blob is None:
            continue  # removed
        if intruder is not None and is_flat_path(path) == intruder:
            problems.append(f"{MAIN}: refused: {_mixed(path, flat=intruder)}")
            continue
        if not path.endswith(PROMPT_SUFFIX):
            problems.append(f"{MAIN}: refused: {path} is not a {PROMPT_SUFFIX} file")
            continue
        if name_from_path(path) is None:
            problems.append(f"{MAIN}: refused: {_misplaced(path, PROMPT_SUFFIX)}")
            continue
        try:
            validate_name(path.rpartition("/")[2][: -len(PROMPT_SUFFIX)])
            promptfile.decode(_read_prompt(repo, blob, path), path)
        except GitPromptsError as exc:
            problems.append(f"{MAIN}: refused: invalid prompt file {path}: {_one_line(exc)}")
    for path in repo.changed_paths(base, new, STATE_DIR):
        blob = repo.blob_at(new, path)
        if blob is None:
            continue  # removed
        if intruder is not None and is_flat_path(path) == intruder:
            problems.append(f"{MAIN}: refused: {_mixed(path, flat=intruder)}")
            continue
        name = name_from_path(path)
        if not path.endswith(STATE_SUFFIX):
            problems.append(f"{MAIN}: refused: {path} is not a {STATE_SUFFIX} file")
            continue
        if name is None:
            problems.append(f"{MAIN}: refused: {_misplaced(path, STATE_SUFFIX)}")
            continue
        try:
            validate_name(name)
            st = state.decode(_read_state(repo, blob, path), path)
        except GitPromptsError as exc:
            problems.append(f"{MAIN}: refused: invalid state file {path}: {_one_line(exc)}")
            continue
        before = _state_at(repo, base, name)

        def exists(number: int, name: str = name) -> bool:
            ref = tag_ref(name, number)
            return ref in new_tags or repo.ref(ref) is not None

        problems += [
            f"{MAIN}: refused: state file {path}: {problem}"
            for problem in _untrusted(name, st, before, exists)
        ]
    problems += _check_artifacts_setting(repo, base, new)
    return problems


def _check_artifacts_setting(repo: GitRepo, base: str | None, new: str) -> list[str]:
    """The shared artifact store setting on main: bounded, and a URL a store module handles."""
    blob = repo.blob_at(new, ARTIFACTS_FILE)
    if blob is None or (base is not None and repo.blob_at(base, ARTIFACTS_FILE) == blob):
        return []
    try:
        if repo.blob_size(blob) > artifacts.MAX_BYTES:
            raise CorruptArtifactsSettingError(
                ARTIFACTS_FILE, f"larger than the {artifacts.MAX_BYTES}-byte limit"
            )
        artifacts.decode(repo.read_blob(blob), ARTIFACTS_FILE)
    except GitPromptsError as exc:
        return [f"{MAIN}: refused: invalid {ARTIFACTS_FILE}: {_one_line(exc)}"]
    return []


def _read_prompt(repo: GitRepo, blob: str, path: str) -> bytes:
    """A pushed prompt file's bytes, its size checked from the object header first.

    A pushed blob can be any size; reading a multi-GB one whole would take the
    server down before the decoder could refuse it.
    """
    size = repo.blob_size(blob)
    if size > promptfile.max_bytes():
        raise CorruptPromptFileError(path, promptfile.too_large(size))
    return repo.read_blob(blob)


def _read_state(repo: GitRepo, blob: str, path: str) -> bytes:
    """A pushed state file's bytes, its size checked from the object header first."""
    size = repo.blob_size(blob)
    if size > state.MAX_BYTES:
        raise CorruptStateFileError(
            path, f"{size:,} bytes, over the limit of {state.MAX_BYTES:,} bytes for a state file"
        )
    return repo.read_blob(blob)


def _state_at(repo: GitRepo, commit: str | None, name: str) -> state.State:
    """``name``'s state file at ``commit``, in either layout (empty when absent or unreadable)."""
    found = None if commit is None else repo.find_blob(commit, state_paths(name))
    if found is None:
        return state.EMPTY
    try:
        return state.decode(_read_state(repo, found[1], found[0]), found[0])
    except GitPromptsError:
        return state.EMPTY


def _mixed(path: str, *, flat: bool) -> str:
    """Why ``path`` may not join a main in the other layout."""
    if flat:
        return (
            f"{path} is in the flat layout, but this registry was migrated: a prompt's files "
            f"are {PROMPTS_DIR}/<h1>/<h2>/<name>{PROMPT_SUFFIX} and {STATE_DIR}/<h1>/<h2>/<name>"
            f"{STATE_SUFFIX}, h1 and h2 being the first and second hex digit of sha256(name) "
            f"(gitprompts reads and writes them; upgrade it, then {PULL_FIRST})"
        )
    return (
        f"{path} is in the sharded layout, but this registry is not migrated yet: run "
        f"gitprompts migrate to move every file at once ({PULL_FIRST})"
    )


def _misplaced(path: str, suffix: str) -> str:
    """Why ``path`` is no prompt's file, and where that name's file goes."""
    name = path.rpartition("/")[2][: -len(suffix)]
    where = f"{path.partition('/')[0]}/{shard(name)}/{name}{suffix}" if name else "nowhere"
    return (
        f"{path} is not where a prompt's file goes: a file is {PROMPTS_DIR}/<h1>/<h2>/<name>"
        f"{PROMPT_SUFFIX} or {STATE_DIR}/<h1>/<h2>/<name>{STATE_SUFFIX}, h1 and h2 being the "
        f"first and second hex digit of sha256(name) (this one: {where})"
    )


def _untrusted(
    name: str, st: state.State, before: state.State, exists: Callable[[int], bool]
) -> list[str]:
    """What in ``st`` names versions that do not exist once the push is in (at most a few).

    ``latest`` and the aliases are checked in full; ``deleted``,
    ``version_tags`` and ``model_configs`` only where they differ from the file ``before`` the
    push, which was checked when it came in. The work is one tag probe per
    number named (about 5 µs each), and the decoder already bounds how many.
    """
    problems = []
    if st.latest and not exists(st.latest):
        problems.append(
            f"latest is {st.latest}, but prompt {name!r} has no version {st.latest} "
            f"(no tag {tag_name(name, st.latest)}); latest is the highest version number "
            "given out, or 0 for none"
        )
    deleted = set(st.deleted)
    for alias, number in sorted(st.aliases.items()):
        if number in deleted:
            problems.append(
                f"alias {alias!r} points at version {number}, which is deleted; "
                "an alias points at a live version"
            )
        elif not exists(number):
            problems.append(
                f"alias {alias!r} points at version {number}, which does not exist; "
                "an alias points at a live version"
            )
        if len(problems) >= _MAX_PROBLEMS:
            return problems
    listed = sorted(deleted - set(before.deleted))
    keys = sorted(set(st.version_tags) - set(before.version_tags), key=int)
    configs = sorted(set(st.model_configs) - set(before.model_configs), key=int)
    for field, numbers in (
        ("deleted", listed),
        ("version_tags", [int(k) for k in keys]),
        ("model_configs", [int(k) for k in configs]),
    ):
        for number in numbers:
            if len(problems) >= _MAX_PROBLEMS:
                return problems
            if not exists(number):
                problems.append(
                    f"{field} names version {number}, which does not exist; "
                    f"{field} names existing versions only"
                )
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
    name = Path(path).name.removesuffix(PROMPT_SUFFIX)
    try:
        validate_name(name)
    except GitPromptsError as exc:
        problems.append(f"{path}: {_one_line(exc)}")
    # A file one to SHARD_LEVELS directories below a prompts/ directory must
    # be in its name's shard (directly under prompts/ is the flat layout).
    parts = Path(path).parts
    for depth in range(1, SHARD_LEVELS + 1):
        if len(parts) >= depth + 2 and parts[-depth - 2] == PROMPTS_DIR:
            if "/".join(parts[-depth - 1 : -1]) != shard(name):
                problems.append(_misplaced(path, PROMPT_SUFFIX))
            break
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
    names = run(["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--", "*.prompt"])
    problems = []
    for path in filter(None, names.split("\0")):
        problems += validate_file(path, run_bytes(["show", f":{path}"]))
    return problems
