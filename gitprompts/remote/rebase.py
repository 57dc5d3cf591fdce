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

What to renumber and how states merge is decided in ``gitprompts.core.merge``
from plain values; this module walks the history to gather them and writes
the objects. Nothing here moves a ref: ``integrate`` writes objects and
returns a plan, and the caller moves every ref in one compare-and-swap update.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from gitprompts.core import layout, state
from gitprompts.core.merge import RemoteMove, merge_state, renumber
from gitprompts.core.state import State
from gitprompts.core.uri import version_uri
from gitprompts.git.repo import CommitInfo, GitRepo
from gitprompts.registry.migration import migration_changes

RefUpdates = dict[str, tuple[str | None, str | None]]
_DIRS = (layout.PROMPTS_DIR, layout.STATE_DIR)


@dataclass
class Plan:
    ref_updates: RefUpdates = field(default_factory=dict)
    renumbered: dict[str, str] = field(default_factory=dict)  # prompts:/x/3 -> prompts:/x/4
    conflicts: list[str] = field(default_factory=list)
    rewritten: dict[str, str] = field(default_factory=dict)  # old commit -> replayed commit


def state_at(git: GitRepo, commit: str | None, name: str) -> State:
    """``name``'s state file at ``commit``, in either layout (the empty state when absent)."""
    if commit is None:
        return state.EMPTY
    found = git.find_blob(commit, layout.state_paths(name))
    if found is None:
        return state.EMPTY
    path, blob = found
    return state.decode(git.read_blob(blob), path)


def integrate(git: GitRepo, local: str | None, remote: str, remote_tags: dict[str, str]) -> Plan:
    """The ref moves that bring ``remote`` (and its fetched tags) into the registry."""
    plan = Plan()
    tags: RefUpdates = {ref: (git.ref(ref), oid) for ref, oid in remote_tags.items()}
    if local is None or git.is_ancestor(local, remote):
        plan.ref_updates = {layout.MAIN: (local, remote), **tags}
        return plan
    if git.is_ancestor(remote, local):
        plan.ref_updates = tags
        return plan
    base = git.merge_base(local, remote)
    replay = _Replay(git, base, remote, remote_tags)
    for commit in git.commits_between(local, remote):
        replay.apply(commit)
    plan.ref_updates = {layout.MAIN: (local, replay.current), **tags, **replay.tag_updates()}
    plan.renumbered = {
        version_uri(name, old): version_uri(name, new)
        for name, numbers in sorted(replay.numbers.items())
        for old, new in sorted(numbers.items())
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
        self.numbers: dict[str, dict[int, int]] = {}  # name -> {local number: final number}
        self.new_tags: dict[str, str] = {}  # tag ref -> new tag object
        # Keyed by (name, alias): a later commit's verdict on the same alias replaces it.
        self.conflicts: dict[tuple[str, str], str] = {}
        self.rewritten: dict[str, str] = {}
        self._remote_moves: dict[str, dict[str, RemoteMove]] = {}
        self._remote_history: list[CommitInfo] | None = None

    def apply(self, commit: CommitInfo) -> None:
        git = self.git
        parent = commit.parents[0] if commit.parents else None
        paths = git.changed_paths(parent, commit.oid, layout.PROMPTS_DIR)
        paths += git.changed_paths(parent, commit.oid, layout.STATE_DIR)
        names = sorted({n for n in map(layout.name_from_path, paths) if n is not None})
        changes: dict[str, bytes | None] = {}
        # A commit is written in the layout of the main it is replayed onto,
        # except the migration itself (a flat parent, a sharded commit): the
        # remote main is then migrated on the way, as ``gitprompts migrate``
        # would (every file moved). Layouts only move forward.
        flat = git.has_flat_files(self.current, _DIRS)
        if flat and git.has_flat_files(parent, _DIRS) and not git.has_flat_files(commit.oid, _DIRS):
            changes.update(migration_changes(git, self.current))
            flat = False
        created: list[tuple[str, int, int]] = []
        message = commit.message
        for name in names:
            before = state_at(git, parent, name)
            after = state_at(git, commit.oid, name)
            onto = self._taken(name, state_at(git, self.current, name))
            numbers = self.numbers.setdefault(name, {})
            for old, number in renumber(before, after, onto).items():
                numbers[old] = number
                created.append((name, old, number))
                message = layout.renumbered_message(message, name, old, number)
            # Most commits only register versions; the remote's alias history
            # is walked only for a commit that moved an alias.
            moves = self._moves(name) if before.aliases != after.aliases else {}
            merged, conflicts = merge_state(
                name,
                before,
                after,
                onto,
                numbers=numbers,
                remote_moves=moves,
                local_at=commit.author.time,
            )
            self.conflicts.update({(name, alias): text for alias, text in conflicts.items()})
            prompt_file, state_file = layout.paths(name, flat=flat)
            changes[state_file] = state.encode(merged, state_file)
            if any(path in paths for path in layout.prompt_paths(name)):
                found = git.find_blob(commit.oid, layout.prompt_paths(name))
                changes[prompt_file] = None if found is None else git.read_blob(found[1])
        new = git.write_commit(self.current, changes, message, commit.author)
        for name, old, number in created:
            tag = git.peel_tag(layout.tag_ref(name, old))
            if tag is None or tag.commit != commit.oid:
                continue  # no local tag for it (a hand-edited state): nothing to carry
            text = layout.renumbered_message(tag.message, name, old, number)
            self.new_tags[layout.tag_ref(name, number)] = git.write_tag_object(
                layout.tag_name(name, number), new, text, tag.tagger
            )
        self.rewritten[commit.oid] = new
        self.current = new

    def _taken(self, name: str, onto: State) -> State:
        """``onto`` with ``latest`` raised past versions the remote tagged by hand.

        A version made with plain git tags a commit without touching the
        state file, so the state alone would hand its number out again.
        """
        taken = layout.next_number(onto.latest, lambda n: self._published(name, n)) - 1
        return onto if taken == onto.latest else msgspec.structs.replace(onto, latest=taken)

    def _published(self, name: str, number: int) -> bool:
        ref = layout.tag_ref(name, number)
        if ref in self.remote_tags:
            return True
        tag = self.git.peel_tag(ref)
        return tag is not None and self.git.is_ancestor(tag.commit, self.remote)

    def _moves(self, name: str) -> dict[str, RemoteMove]:
        """The aliases of ``name`` the remote moved since the base: where to, and when last."""
        found = self._remote_moves.get(name)
        if found is not None:
            return found
        then = state_at(self.git, self.base, name).aliases
        now = state_at(self.git, self.remote, name).aliases
        moved = {alias for alias in then.keys() | now.keys() if then.get(alias) != now.get(alias)}
        times: dict[str, int] = {}
        # Newest first, so the first commit that changes an alias is its last move.
        for commit in self._history() if moved else []:
            if len(times) == len(moved):
                break
            parent = commit.parents[0] if commit.parents else None
            if self._state_blob(commit.oid, name) == self._state_blob(parent, name):
                continue  # the state file did not change (or only moved, by migration)
            new = state_at(self.git, commit.oid, name).aliases
            old = state_at(self.git, parent, name).aliases
            for alias in moved - times.keys():
                if new.get(alias) != old.get(alias):
                    times[alias] = commit.author.time
        # Not found (moved only on a merged side branch): time 0, so the local move wins.
        found = {alias: RemoteMove(now.get(alias), times.get(alias, 0)) for alias in moved}
        self._remote_moves[name] = found
        return found

    def _state_blob(self, commit: str | None, name: str) -> str | None:
        found = None if commit is None else self.git.find_blob(commit, layout.state_paths(name))
        return None if found is None else found[1]

    def _history(self) -> list[CommitInfo]:
        """The remote's commits since the base, newest first (walked once per pull)."""
        if self._remote_history is None:
            self._remote_history = self.git.commits_between(self.remote, self.base)[::-1]
        return self._remote_history

    def tag_updates(self) -> RefUpdates:
        """New tags for replayed versions; a vacated unpublished tag name goes (or takes the
        remote's version of that number)."""
        updates: RefUpdates = {ref: (self.git.ref(ref), oid) for ref, oid in self.new_tags.items()}
        for name, numbers in self.numbers.items():
            for old in numbers:
                ref = layout.tag_ref(name, old)
                if ref not in self.new_tags:
                    updates[ref] = (self.git.ref(ref), self.remote_tags.get(ref))
        return updates


def carry_notes(git: GitRepo, rewritten: dict[str, str]) -> None:
    """Copy the models notes of replayed commits onto their replacements (merged by line)."""
    for old, new in rewritten.items():
        note = git.note(layout.MODELS_NOTES, old)
        if not note:
            continue
        have = git.note(layout.MODELS_NOTES, new) or ""
        ids = [*layout.note_ids(note), *layout.note_ids(have)]
        git.write_note(layout.MODELS_NOTES, new, layout.note_text(ids), git.identity())
