"""Integrating a fetched ``main``: fast-forward, or replay local-only commits on it.

When both sides wrote to ``main`` since they last agreed, every local-only
commit is replayed, oldest first, on the remote ``main``. Per prompt:

- versions the commit created are renumbered after the highest number on
  the new base (no collision: the number is kept); each gets a new tag on
  the replayed commit and the old local tag name goes (it was never
  published);
- ``state/<name>.json`` is merged, not copied: local alias moves apply
  (pointing at renumbered versions), ``deleted`` is the union, ``latest``
  the maximum; an alias both sides moved keeps the later move and the
  other is reported.

Nothing here moves a ref: ``integrate`` writes objects and returns a plan,
and the caller moves every ref in one compare-and-swap update.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gitprompts.core import state
from gitprompts.core.layout import MAIN, MODELS_NOTES, prompt_path, state_path, tag_ref
from gitprompts.core.state import State

if TYPE_CHECKING:
    from gitprompts.git.repo import CommitInfo, GitRepo

RefUpdates = dict[str, tuple[str | None, str | None]]


@dataclass
class Plan:
    ref_updates: RefUpdates = field(default_factory=dict)
    renumbered: dict[str, str] = field(default_factory=dict)  # prompts:/x/3 -> prompts:/x/4
    conflicts: list[str] = field(default_factory=list)
    rewritten: dict[str, str] = field(default_factory=dict)  # old commit -> replayed commit


def state_at(git: GitRepo, commit: str | None, name: str) -> State:
    """``state/<name>.json`` at ``commit`` (the empty state when absent)."""
    if commit is None:
        return state.EMPTY
    blob = git.blob_at(commit, state_path(name))
    if blob is None:
        return state.EMPTY
    return state.decode(git.read_blob(blob), state_path(name))


def integrate(git: GitRepo, local: str | None, remote: str, remote_tags: dict[str, str]) -> Plan:
    """The ref moves that bring ``remote`` (and its fetched tags) into the registry."""
    from gitprompts.git import repo as gitbackend

    plan = Plan()
    tags: RefUpdates = {ref: (git.ref(ref), oid) for ref, oid in remote_tags.items()}
    if local is None or git.is_ancestor(local, remote):
        plan.ref_updates = {MAIN: (local, remote), **tags}
        return plan
    if git.is_ancestor(remote, local):
        plan.ref_updates = tags
        return plan
    base = gitbackend.merge_base(git, local, remote)
    replay = _Replay(git, base, remote, remote_tags)
    for commit in gitbackend.commits_between(git, local, remote):
        replay.apply(commit)
    plan.ref_updates = {MAIN: (local, replay.current), **tags, **replay.tag_updates()}
    plan.renumbered = {
        f"prompts:/{n}/{old}": f"prompts:/{n}/{new}"
        for (n, old), new in sorted(replay.numbers.items())
        if old != new
    }
    plan.conflicts = list(replay.conflicts.values())
    plan.rewritten = replay.rewritten
    return plan


class _Replay:
    def __init__(self, git: GitRepo, base: str | None, remote: str, remote_tags: dict[str, str]):
        self.git = git
        self.base = base
        self.remote = remote
        self.remote_tags = remote_tags
        self.current = remote
        self.numbers: dict[tuple[str, int], int] = {}  # (name, local number) -> final number
        self.new_tags: dict[str, str] = {}  # tag ref -> new tag object
        self.conflicts: dict[tuple[str, str], str] = {}
        self.rewritten: dict[str, str] = {}

    def apply(self, commit: CommitInfo) -> None:
        from gitprompts.git import repo as gitbackend

        git = self.git
        parent = commit.parents[0] if commit.parents else None
        paths = gitbackend.changed_paths(git, parent, commit.oid, "prompts")
        paths += gitbackend.changed_paths(git, parent, commit.oid, "state")
        names = sorted({n for n in map(_prompt_name, paths) if n is not None})
        changes: dict[str, bytes | None] = {}
        created: list[tuple[str, int, int]] = []
        message = commit.message
        for name in names:
            before = state_at(self.git, parent, name)
            after = state_at(self.git, commit.oid, name)
            onto = state_at(self.git, self.current, name)
            latest = onto.latest
            for number in range(before.latest + 1, after.latest + 1):
                latest += 1
                self.numbers[(name, number)] = latest
                created.append((name, number, latest))
                message = _renumber_message(message, name, number, latest)
            merged = self._merge(name, before, after, onto, commit)
            changes[state_path(name)] = state.encode(merged)
            if prompt_path(name) in paths:
                blob = git.blob_at(commit.oid, prompt_path(name))
                changes[prompt_path(name)] = None if blob is None else git.read_blob(blob)
        new = git.write_commit(self.current, changes, message, commit.author)
        for name, old, number in created:
            tag = git.peel_tag(tag_ref(name, old))
            if tag is None or tag.commit != commit.oid:
                continue  # no local tag for it (a hand-edited state): nothing to carry
            text = _renumber_message(tag.message, name, old, number)
            ref = tag_ref(name, number)
            self.new_tags[ref] = git.write_tag_object(
                ref[len("refs/tags/") :], new, text, tag.tagger
            )
        self.rewritten[commit.oid] = new
        self.current = new

    def _map(self, name: str, number: int) -> int:
        return self.numbers.get((name, number), number)

    def _merge(
        self, name: str, before: State, after: State, onto: State, commit: CommitInfo
    ) -> State:
        aliases = dict(onto.aliases)
        for alias in sorted(set(before.aliases) | set(after.aliases)):
            was, now = before.aliases.get(alias), after.aliases.get(alias)
            if was == now:
                continue
            mine = None if now is None else self._map(name, now)
            theirs = onto.aliases.get(alias)
            remote_moved = state_at(self.git, self.base, name).aliases.get(alias) != state_at(
                self.git, self.remote, name
            ).aliases.get(alias)
            if remote_moved and theirs != mine:
                when = self._remote_move_time(name, alias)
                if when > commit.author.time:
                    self.conflicts[(name, alias)] = (
                        f"{name}@{alias}: kept the remote's {_show(theirs)} (moved later); "
                        f"your move to {_show(mine)} was dropped"
                    )
                    continue
                self.conflicts[(name, alias)] = (
                    f"{name}@{alias}: kept your {_show(mine)} (moved later); "
                    f"the remote's move to {_show(theirs)} was overridden"
                )
            if mine is None:
                aliases.pop(alias, None)
            else:
                aliases[alias] = mine
        deleted = sorted({*onto.deleted, *(self._map(name, n) for n in after.deleted)})
        version_tags = dict(onto.version_tags)
        for key in sorted(set(before.version_tags) | set(after.version_tags)):
            if before.version_tags.get(key) == after.version_tags.get(key):
                continue
            target = str(self._map(name, int(key)))
            if key in after.version_tags:
                version_tags[target] = after.version_tags[key]
            else:
                version_tags.pop(target, None)
        latest = max([onto.latest, *(v for (n, _), v in self.numbers.items() if n == name)])
        return State(latest=latest, aliases=aliases, deleted=deleted, version_tags=version_tags)

    def _remote_move_time(self, name: str, alias: str) -> int:
        """When the remote last moved ``name@alias`` (its newest commit that changed it)."""
        from gitprompts.git import repo as gitbackend

        for commit in reversed(gitbackend.commits_between(self.git, self.remote, self.base)):
            parent = commit.parents[0] if commit.parents else None
            if state_at(self.git, commit.oid, name).aliases.get(alias) != state_at(
                self.git, parent, name
            ).aliases.get(alias):
                return commit.author.time
        return 0

    def tag_updates(self) -> RefUpdates:
        """New tags for replayed versions; a vacated unpublished tag name goes (or takes the
        remote's version of that number)."""
        updates: RefUpdates = {ref: (self.git.ref(ref), oid) for ref, oid in self.new_tags.items()}
        for (name, old), _new in self.numbers.items():
            ref = tag_ref(name, old)
            if ref not in self.new_tags:
                updates[ref] = (self.git.ref(ref), self.remote_tags.get(ref))
        return updates


def carry_notes(git: GitRepo, rewritten: dict[str, str]) -> None:
    """Copy the models notes of replayed commits onto their replacements (merged by line)."""
    for old, new in rewritten.items():
        note = git.note(MODELS_NOTES, old)
        if not note:
            continue
        have = git.note(MODELS_NOTES, new) or ""
        ids = sorted({line.strip() for line in (note + "\n" + have).splitlines() if line.strip()})
        git.write_note(MODELS_NOTES, new, "".join(f"{i}\n" for i in ids), git.identity())


def _prompt_name(path: str) -> str | None:
    for directory, suffix in (("prompts/", ".prompt"), ("state/", ".json")):
        if path.startswith(directory) and path.endswith(suffix):
            return path[len(directory) : -len(suffix)]
    return None


def _renumber_message(message: str, name: str, old: int, new: int) -> str:
    """The default message names the version number; keep it true after renumbering."""
    if old == new:
        return message
    return re.sub(
        rf"^Register {re.escape(name)} version {old}\b",
        f"Register {name} version {new}",
        message,
    )


def _show(version: int | None) -> str:
    return "removal" if version is None else f"version {version}"
