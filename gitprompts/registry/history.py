"""A prompt's history: every commit on ``main`` that changed it, and what it changed.

Read from git, so it shows what happened whoever did it (the UI, the API,
a plain ``git push``): versions registered, aliases moved, tags edited,
versions deleted, each with its author, time and commit. Which commits
touched a prompt comes from a ``HistoryIndex`` (one walk of ``main``, then
only what is new); a page is at most ``limit`` of them, each read as two
state files and compared (``core.changes``).

>>> page = prompt_history(Registry(tmp_path / "r.git"), "greet")  # doctest: +SKIP
>>> [c.text for entry in page for c in entry.changes]              # doctest: +SKIP
['alias production set to v1', 'registered v1']
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from gitprompts.core import promptfile, state
from gitprompts.core.changes import Change, state_changes
from gitprompts.core.layout import (
    MAIN,
    STATE_DIR,
    name_from_path,
    prompt_paths,
    state_path,
    tag_ref,
)
from gitprompts.core.uri import validate_name
from gitprompts.errors import CorruptStateFileError, GitPromptsError
from gitprompts.git.log import changed_files, commit_infos
from gitprompts.git.repo import CommitInfo, GitRepo
from gitprompts.registry.registry import Registry

PAGE = 50


@dataclass(frozen=True)
class Entry:
    """One commit that changed the prompt, and the changes it made."""

    commit: CommitInfo
    changes: list[Change]


def _decode_state(git: GitRepo, blob: str | None, path: str) -> state.State:
    if blob is None:
        return state.EMPTY
    if git.blob_size(blob) > state.MAX_BYTES:  # decode would refuse it; do not read it first
        raise CorruptStateFileError(path, f"it is larger than {state.MAX_BYTES} bytes")
    return state.decode(git.read_blob(blob), path)


def _file_tags(git: GitRepo, commit: str | None, name: str) -> dict[str, str]:
    """The tags in the prompt file at ``commit`` (what a version had before any edit).

    Either layout: a version from before ``gitprompts migrate`` is at the flat path.
    """
    found = None if commit is None else git.find_blob(commit, prompt_paths(name))
    if found is None:
        return {}
    path, blob = found
    if git.blob_size(blob) > promptfile.max_bytes():
        return {}
    try:
        return dict(promptfile.decode(git.read_blob(blob), path).tags)
    except GitPromptsError:
        return {}


@dataclass(frozen=True)
class Touch:
    """A commit that changed a prompt: its state file's blob before and after, and
    whether its ``.prompt`` file changed (blob ids from the walk: no tree is read)."""

    commit: str
    state_before: str | None
    state_after: str | None
    file_changed: bool


class HistoryIndex:
    """For each prompt, the commits of ``main`` that changed it, kept up to date.

    The first use walks all of ``main`` once (``git log --raw``: 17 s of CPU
    at 20,000 commits of 10,000 prompts); later uses read only the commits
    added since. A ``main`` that was rewritten (not a fast-forward of what
    was read) is walked again from scratch. Safe to share between threads.

    >>> index = HistoryIndex(Registry(tmp_path / "r.git").path)
    >>> index.touches("greet")
    []
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tip: str | None = None
        self._oldest_first: dict[str, list[Touch]] = {}
        self._lock = threading.Lock()

    def touches(self, name: str) -> list[Touch]:
        """The commits that changed prompt ``name``, newest first."""
        with self._lock:
            self._update()
            return self._oldest_first.get(name, [])[::-1]

    def _update(self) -> None:
        git = GitRepo(self.path)
        tip = git.ref(MAIN)
        if tip == self._tip:
            return
        since = self._tip
        if since is not None and (tip is None or not git.is_ancestor(since, tip)):
            since, self._oldest_first = None, {}
        if tip is not None:
            found = list(changed_files(self.path, MAIN, since=since))
            for oid, changes in reversed(found):
                touched: dict[str, Touch] = {}
                for change in changes:
                    name = name_from_path(change.path)
                    if name is None:
                        continue
                    was = touched.get(name, Touch(oid, None, None, False))
                    if change.path.startswith(f"{STATE_DIR}/"):
                        was = Touch(oid, change.old, change.new, was.file_changed)
                    else:
                        was = Touch(oid, was.state_before, was.state_after, True)
                    touched[name] = was
                for name, touch in touched.items():
                    if touch.state_before is None and touch.state_after is None:
                        # Only the .prompt file changed: the state file is the previous one's.
                        previous = self._oldest_first.get(name)
                        blob = previous[-1].state_after if previous else None
                        touch = Touch(oid, blob, blob, True)
                    self._oldest_first.setdefault(name, []).append(touch)
        self._tip = tip


def prompt_history(
    registry: Registry,
    name: str,
    *,
    skip: int = 0,
    limit: int = PAGE,
    index: HistoryIndex | None = None,
) -> list[Entry]:
    """The ``limit`` newest commits (after ``skip``) that changed prompt ``name``, newest first.

    ``index`` is a ``HistoryIndex`` kept between calls (a server keeps one);
    without it, this call walks ``main`` itself. A commit whose state file
    cannot be read is listed with no changes rather than failing the page
    (history is what it is; the reader of today's state reports the problem).

    >>> reg = Registry(tmp_path / "r.git")
    >>> _ = reg.register("greet", "Hi {{ name }}"); reg.set_alias("greet", "prod", 1)
    >>> [[c.text for c in e.changes] for e in prompt_history(reg, "greet")]
    [['alias prod set to v1'], ['registered v1']]
    """
    validate_name(name)
    index = index if index is not None else HistoryIndex(registry.path)
    touches = index.touches(name)[max(0, skip) : max(0, skip) + max(0, limit)]
    git = GitRepo(registry.path)
    spath = state_path(name)
    states: dict[str | None, state.State] = {None: state.EMPTY}

    def state_of(blob: str | None) -> state.State:
        if blob not in states:
            states[blob] = _decode_state(git, blob, spath)
        return states[blob]

    entries = []
    infos = commit_infos(registry.path, [t.commit for t in touches])
    for touch, info in zip(touches, infos, strict=True):
        try:
            before, after = state_of(touch.state_before), state_of(touch.state_after)
            edited = {int(v) for v in after.version_tags if v not in before.version_tags}
            # A first edit of a version's tags replaces the tags its file gave it.
            old_tags = {}
            for number in edited:
                tag = git.peel_tag(tag_ref(name, number))
                if tag is not None:
                    old_tags[number] = _file_tags(git, tag.commit, name)
            changes = state_changes(before, after, new_file=touch.file_changed, old_tags=old_tags)
        except GitPromptsError:
            changes = []
        entries.append(Entry(info, changes))
    return entries
