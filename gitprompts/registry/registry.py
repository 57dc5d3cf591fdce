"""The prompt registry: prompt semantics on top of the git backend.

Layout of the bare repository (a contract plain git users rely on):

- ``main`` holds ``prompts/<name>.prompt`` (the newest version's file) and
  ``state/<name>.json`` (aliases, deleted versions, prompt tags, edited
  version tags and model configs, the highest number given out);
- version N of ``name`` is the annotated tag ``prompts/<name>/<N>`` on the
  commit that wrote that version; the tag message is the commit message;
- ``@latest`` is computed: the highest version whose tag exists and which was
  not deleted.

The layout is spelled in ``gitprompts.core.layout``. Reads take no lock;
every write is a ``Transaction`` (``registry.transaction``): under
``gitprompts.lock`` (a filelock in the repository) it re-reads ``main`` and
moves refs compare-and-swap, so two writers can never both create version N.
A registry that mirrors a remote one is given an ``Upstream``, which it asks
for news before answering an alias and on a miss, and tells after each write.

>>> reg = Registry(tmp_path / "r.git")          # doctest: +SKIP
>>> reg.register("greet", "Hello {{ name }}").version  # doctest: +SKIP
1
"""

from __future__ import annotations

import dataclasses
import functools
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from gitprompts.core import state
from gitprompts.core.layout import (
    INDEX_FILE,
    LOCK_FILE,
    MAIN,
    MODELS_NOTES,
    PROMPT_SUFFIX,
    PROMPTS_DIR,
    SHARD_LEVELS,
    STATE_DIR,
    STATE_SUFFIX,
    default_message,
    name_from_path,
    next_number,
    note_ids,
    note_text,
    paths,
    prompt_path,
    prompt_paths,
    state_paths,
    tag_name,
    tag_ref,
)
from gitprompts.core.prompt import Prompt, PromptVersion
from gitprompts.core.state import State
from gitprompts.core.uri import (
    LATEST,
    MAX_VERSION,
    PromptRef,
    parse_version,
    validate_alias,
    validate_name,
)
from gitprompts.errors import (
    AliasNotFoundError,
    CorruptPromptFileError,
    GitPromptsError,
    InvalidInputError,
    NotARegistryError,
    NotFoundError,
    PromptNotFoundError,
    PromptVersionNotFoundError,
    RegistryError,
    UnreadablePromptWarning,
)
from gitprompts.git import maintenance
from gitprompts.git.refs import read_ref
from gitprompts.registry import index
from gitprompts.registry.transaction import Transaction, Upstream

if TYPE_CHECKING:
    import filelock

    from gitprompts.core import promptfile
    from gitprompts.git.repo import GitRepo, TagInfo

LOCK_TIMEOUT = float(os.environ.get("GITPROMPTS_LOCK_TIMEOUT", "120"))


class _Version:
    """What never changes about a version: its file and its git facts (cached by number)."""

    __slots__ = ("blob", "commit", "file", "tag")

    def __init__(self, file: promptfile.PromptFile, tag: TagInfo, blob: str) -> None:
        self.file = file
        self.tag = tag
        self.commit = tag.commit
        self.blob = blob


class Registry:
    """A prompt registry in the bare git repository at ``path`` (created if missing).

    ``upstream`` is the remote registry this one mirrors, if any (see
    ``gitprompts.remote.mirror``).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        upstream: Upstream | None = None,
    ) -> None:
        self.upstream = upstream
        self.path = Path(path).expanduser().absolute()
        if not (self.path / "HEAD").exists():
            if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
                raise NotARegistryError(self.path, "it is not a bare git repository")
            if not create:
                raise NotARegistryError(self.path, missing=True)
            from gitprompts.git.repo import init_bare

            init_bare(self.path)
        elif not (self.path / "objects").is_dir():
            raise NotARegistryError(self.path, "it is not a bare git repository")
        # libgit2 is opened on first use: a listing answered from the index
        # (``prompts``) never imports pygit2 (90-250 ms on a loaded machine).
        self._handle: GitRepo | None = None
        self._flat: tuple[str | None, bool] | None = None
        self._names: tuple[str | None, list[str]] | None = None
        self._lock_object: filelock.BaseFileLock | None = None
        self._versions: dict[tuple[str, int], _Version] = {}
        self._main: str | None = None
        self._main_file = str(self.path / MAIN)
        self._main_key: tuple[int, int, int] | None = None
        self._states: dict[str, State] = {}
        self._state_blobs: dict[str, State] = {}
        self._listing: list[Prompt] | None = None
        # The last PromptVersion handed out per version, with the state it was made from.
        self._made: dict[tuple[str, int], tuple[State, PromptVersion]] = {}
        self._files: dict[str, promptfile.PromptFile] = {}
        # Who writes through this handle, (name, email); None: git's identity. The web UI
        # sets the signed-in person's on a handle of its own.
        self.author: tuple[str, str] | None = None

    def __repr__(self) -> str:
        if self.upstream is not None:
            return f"Registry({str(self.path)!r}, upstream={self.upstream!r})"
        return f"Registry({str(self.path)!r})"

    @property
    def _git(self) -> GitRepo:
        handle = self._handle
        if handle is None:
            from gitprompts.git.repo import GitRepo

            handle = self._handle = GitRepo(self.path)
        return handle

    def forget_cache(self) -> None:
        """Drop everything read so far (sync moved refs, possibly renumbering local versions)."""
        self._versions.clear()
        self._made.clear()
        self._states = {}
        self._listing = None
        self._names = None
        self._flat = None
        # Both halves of the stat cache go: a main that sync left where it was
        # must be read again, not answered from the cleared value.
        self._main = None
        self._main_key = None

    # -- reading -------------------------------------------------------------

    def _refresh(self) -> str | None:
        """Read ``main`` and drop what was derived from an older tip.

        Every ref update (ours through libgit2, git's own) renames a new file
        over ``refs/heads/main``, so an unchanged (inode, mtime, size) of that
        file means an unchanged main: one stat instead of a ref lookup on the
        hot path. A packed main (no loose file) is looked up every time.
        """
        try:
            info = os.stat(self._main_file)
            key: tuple[int, int, int] | None = (info.st_ino, info.st_mtime_ns, info.st_size)
        except FileNotFoundError:
            key = None
        if key is not None and key == self._main_key:
            return self._main
        main = self._git.ref(MAIN)
        self._main_key = key
        if main != self._main:
            self._main = main
            self._states = {}
            self._listing = None
        return main

    def _state(self, name: str, main: str | None) -> State:
        cached = self._states.get(name)
        if cached is not None:
            return cached
        result = state.EMPTY
        if main is not None:
            found = self._git.find_blob(main, self._ordered(state_paths(name), main))
            if found is not None:
                result = self._state_of(*found)
        self._states[name] = result
        return result

    def _state_of(self, path: str, blob: str) -> State:
        """The state file ``blob`` (at ``path``), decoded once per blob id."""
        result = self._state_blobs.get(blob)
        if result is None:
            result = state.decode(self._git.read_blob(blob), path)
            self._state_blobs[blob] = result
        return result

    def _tag_exists(self, name: str, version: int) -> bool:
        return self._git.ref(tag_ref(name, version)) is not None

    def _top(self, name: str, st: State) -> int:
        """The highest version number of ``name`` that has a tag (0: none).

        ``latest`` in the state file is where to start, probing single tag
        refs past it for versions made by hand. A file can claim anything,
        though (plain git bypasses every check), and a ``latest`` with no tag
        means the file is wrong or this copy lacks some tags: then the tags
        are counted from 1, so the work is bounded by the tags that exist,
        never by the number the file claims (at ~5 µs a probe, walking down
        from a claimed 10**9 would take 80 minutes).
        """
        exists = functools.partial(self._tag_exists, name)
        top = next_number(st.latest, exists) - 1
        if top > st.latest or top == 0 or exists(top):
            return top
        return next_number(0, exists) - 1

    def _latest(self, name: str, st: State) -> int:
        """Highest live version: the highest tagged number that was not deleted.

        Bounded by the tags and the deleted numbers that exist: a number
        below the top with no tag sends the search back to counting tags.
        """
        exists = functools.partial(self._tag_exists, name)
        top = self._top(name, st)
        deleted = set(st.deleted)
        number = top
        while number > 0 and number in deleted:
            number -= 1
        if number in (0, top) or exists(number):
            return number
        # A gap below the top: only the tags counted from 1 can be trusted.
        number = min(number, next_number(0, exists) - 1)
        while number > 0 and number in deleted:
            number -= 1
        return number

    def _version(self, name: str, number: int) -> _Version | None:
        cached = self._versions.get((name, number))
        if cached is not None:
            return cached
        tag = self._git.peel_tag(tag_ref(name, number))
        if tag is None:
            return None
        found = self._git.find_blob(tag.commit, self._ordered(prompt_paths(name), self._main))
        if found is None:
            raise RegistryError(
                f"tag prompts/{name}/{number} points at commit {tag.commit}, "
                f"which has no {prompt_path(name)}"
            )
        path, blob = found
        from gitprompts.core import promptfile  # yaml: not imported by a listing from the index

        parsed = promptfile.decode(self._git.read_blob(blob), f"{path} at prompts/{name}/{number}")
        record = _Version(parsed, tag, blob)
        self._versions[(name, number)] = record
        return record

    def _make(self, name: str, number: int, record: _Version, st: State) -> PromptVersion:
        made = self._made.get((name, number))
        if made is not None and made[0] is st:
            return made[1]
        version = self._build(name, number, record, st)
        self._made[(name, number)] = (st, version)
        return version

    def _build(self, name: str, number: int, record: _Version, st: State) -> PromptVersion:
        file = record.file
        tagger = record.tag.tagger
        return PromptVersion(
            name,
            number,
            file.template,
            commit_message=file.commit_message,
            creation_timestamp=tagger.time * 1000,
            tags=st.version_tags.get(str(number), file.tags),
            aliases=sorted(a for a, v in st.aliases.items() if v == number),
            user_id=f"{tagger.name} <{tagger.email}>",
            response_format=file.response_format,
            model_config=st.model_configs.get(str(number), file.model_config),
            commit_id=record.commit,
            blob_id=record.blob,
        )

    def get(self, name: str, version: object) -> PromptVersion:
        """Version ``version`` of ``name``; raises if it does not exist or was deleted."""
        return self._get(validate_name(name), parse_version(version))

    def _get(self, name: str, number: int) -> PromptVersion:
        try:
            return self._get_local(name, number)
        except NotFoundError:
            # A version number never changes meaning, so only a miss needs the remote.
            if self.upstream is None or not self.upstream.refresh(self, force=True):
                raise
            return self._get_local(name, number)

    def _get_local(self, name: str, number: int) -> PromptVersion:
        main = self._refresh()
        st = self._state(name, main)
        record = self._version(name, number)
        if record is None or number in st.deleted:
            self._raise_missing(name, number, st, deleted=record is not None)
        assert record is not None
        return self._make(name, number, record, st)

    def _not_found(self, name: str) -> PromptNotFoundError:
        """The error for an unknown ``name``, naming the closest existing names.

        Computed only when raising: one listing of ``main``'s tree (a few ms at
        1,000 prompts) on a path that is about to fail anyway.
        """
        try:
            names = self.names()
        except GitPromptsError:  # a broken registry still gets the plain message
            names = []
        import difflib  # only on this failing path: it costs ~1 ms to import

        return PromptNotFoundError(name, near=difflib.get_close_matches(name, names, n=3))

    def _raise_missing(self, name: str, number: int, st: State, *, deleted: bool) -> None:
        latest = self._latest(name, st)
        if latest == 0 and not deleted:
            raise self._not_found(name)
        raise PromptVersionNotFoundError(
            name, number, "it was deleted" if deleted else "", latest or None
        )

    def resolve(self, ref: PromptRef) -> PromptVersion:
        """What a parsed URI points at now (aliases and @latest read ``main`` afresh)."""
        if ref.version is not None:
            return self._get(ref.name, ref.version)
        if self.upstream is not None:
            self.upstream.refresh(self)
        main = self._refresh()
        st = self._state(ref.name, main)
        if ref.alias == LATEST:
            number = self._latest(ref.name, st)
            if number == 0:
                raise self._not_found(ref.name)
        else:
            assert ref.alias is not None
            found = st.aliases.get(ref.alias)
            if found is None:
                if self._latest(ref.name, st) == 0:
                    raise self._not_found(ref.name)
                raise AliasNotFoundError(ref.name, ref.alias, list(st.aliases))
            number = found
        return self._get(ref.name, number)

    def latest_version(self, name: str) -> int:
        """The newest live version number of ``name`` (0 when it has none)."""
        validate_name(name)
        return self._latest(name, self._state(name, self._refresh()))

    def top_version(self, name: str) -> int:
        """The highest number ``name`` has given out, deleted versions included (0: none).

        An import that keeps another registry's numbers needs it: a deleted
        number is taken, and the next version gets the one after it.
        """
        validate_name(name)
        return self._top(name, self._state(name, self._refresh()))

    def versions(self, name: str) -> list[PromptVersion]:
        """Every live version of ``name``, oldest first."""
        validate_name(name)
        main = self._refresh()
        st = self._state(name, main)
        latest = self._latest(name, st)
        if latest == 0:
            raise self._not_found(name)
        found = []
        deleted = set(st.deleted)  # a list scan per number would be quadratic
        for number in range(1, latest + 1):
            record = None if number in deleted else self._version(name, number)
            if record is not None:
                found.append(self._make(name, number, record, st))
        return found

    def aliases(self, name: str) -> dict[str, int]:
        validate_name(name)
        st = self._state(name, self._refresh())
        if self._latest(name, st) == 0:
            raise self._not_found(name)
        return dict(sorted(st.aliases.items()))

    def names(self) -> list[str]:
        """Names of the prompts on ``main``, sorted (cached until ``main`` moves)."""
        main = self._refresh()
        if self._names is None or self._names[0] != main:
            # ~30 ms at 10,000 prompts (273 trees); serve asks on every page.
            self._names = (main, sorted(self._main_files(main)))
        return list(self._names[1])

    def _main_files(self, main: str | None) -> dict[str, tuple[str, str]]:
        """``{name: (path, blob id)}`` of every prompt file on ``main`` (both layouts)."""
        return self._files_under(main, PROMPTS_DIR, PROMPT_SUFFIX)

    def _files_under(
        self, main: str | None, directory: str, suffix: str
    ) -> dict[str, tuple[str, str]]:
        """Each tree read once; a file in another name's shard belongs to no prompt."""
        if main is None:
            return {}
        return {
            name: found
            for name, found in self._git.files(main, directory, suffix, SHARD_LEVELS).items()
            if name_from_path(found[0]) == name
        }

    def _file(self, blob: str, name: str) -> promptfile.PromptFile:
        """A prompt file parsed once per blob id (content-addressed, so never stale)."""
        parsed = self._files.get(blob)
        if parsed is None:
            from gitprompts.core import promptfile

            parsed = promptfile.decode(self._git.read_blob(blob), prompt_path(name))
            self._files[blob] = parsed
        return parsed

    def prompts(self) -> list[Prompt]:
        """Every prompt with a live version (cached until ``main`` moves).

        A prompt whose ``.prompt`` or state file cannot be read is left out
        with an ``UnreadablePromptWarning`` naming the file and the reason
        (when the listing is computed); the others are listed. The rows are
        kept in the listing index (``registry.index``), so a fresh process
        lists 10,000 prompts without opening libgit2.
        """
        if self._handle is None and self._listing is None:
            fast = self._indexed()
            if fast is not None:
                return fast
        main = self._refresh()
        if self._listing is not None:
            return self._listing
        rows = self._rows(main)
        listing = [_prompt(rows[name]) for name in sorted(rows)]
        self._listing = listing
        return listing

    def _indexed(self) -> list[Prompt] | None:
        """The listing from the index when it ends at ``main``'s tip, read without libgit2."""
        try:
            info = os.stat(self._main_file)
            key: tuple[int, int, int] | None = (info.st_ino, info.st_mtime_ns, info.st_size)
        except FileNotFoundError:
            key = None
        # Stat first, then read: a main that moves in between leaves a key
        # that no longer matches, so the next read looks again.
        main = read_ref(self.path, MAIN)
        if main is None:
            return None
        loaded = index.load(self.path / INDEX_FILE)
        if loaded is None or loaded.main != main or loaded.volatile:
            return None
        rows = loaded.rows
        if loaded.replayed > index.COMPACT_AFTER:
            self._save_index(main, rows, [])
        listing = [_prompt(rows[name]) for name in sorted(rows)]
        self._main, self._main_key, self._listing = main, key, listing
        return listing

    def _rows(self, main: str | None) -> dict[str, index.Row]:
        """Every listed prompt's row at ``main``: from the index, updated for what changed since."""
        if main is None:
            return {}
        loaded = index.load(self.path / INDEX_FILE)
        changed = None
        if loaded is not None and loaded.main == main:
            if not loaded.volatile:
                if loaded.replayed > index.COMPACT_AFTER:
                    self._save_index(main, loaded.rows, [])
                return loaded.rows
            changed = loaded.volatile
        elif loaded is not None and self._git.has_commit(loaded.main):
            limit = len(loaded.rows) // 2 + 100
            changed = self._changed_names(loaded.main, main, limit=limit)
            if changed is not None:
                changed = sorted({*changed, *loaded.volatile})
        volatile: set[str] = set()
        if changed is not None and loaded is not None:
            rows = dict(loaded.rows)
            for name in changed:
                rows.pop(name, None)
                found = self._git.find_blob(main, self._ordered(prompt_paths(name), main))
                if found is not None:
                    self._add_row(rows, volatile, name, found, main, None)
        else:
            rows = {}
            states = self._files_under(main, STATE_DIR, STATE_SUFFIX)
            for name, found in self._main_files(main).items():
                self._add_row(rows, volatile, name, found, main, states.get(name))
        self._save_index(main, rows, sorted(volatile))
        return rows

    def _add_row(
        self,
        rows: dict[str, index.Row],
        volatile: set[str],
        name: str,
        found: tuple[str, str],
        main: str,
        state_file: tuple[str, str] | None,
    ) -> None:
        """Put ``name``'s row in ``rows``; an unreadable prompt is left out with a warning."""
        try:
            st = self._state(name, main) if state_file is None else self._state_of(*state_file)
            # Its tag may still come without main moving (a recovering writer
            # finishes a killed one's update): recompute the row next time.
            # Checked before the row is made: a tag that exists stays.
            if st.latest and not self._tag_exists(name, st.latest):
                volatile.add(name)
            row = self._listed(name, found[1], st)
        except GitPromptsError as exc:
            # One bad file (pushed by plain git past any hook) must not hide
            # every other prompt: leave it out and say which file and why.
            if isinstance(exc, CorruptPromptFileError):
                path, reason = exc.path, exc.reason
            else:
                path, reason = found[0], str(exc)
            warnings.warn(UnreadablePromptWarning(name, path, reason), stacklevel=4)
            return
        if row is not None:
            rows[name] = row

    def _changed_names(self, old: str, new: str, *, limit: int) -> list[str] | None:
        """Prompts whose files differ between two commits; None past ``limit`` (recompute all)."""
        found = set()
        for directory in (PROMPTS_DIR, STATE_DIR):
            for path in self._git.changed_paths(old, new, directory):
                name = name_from_path(path)
                if name is not None:
                    found.add(name)
            if len(found) > limit:
                return None
        return sorted(found)

    def _save_index(self, main: str, rows: dict[str, index.Row], volatile: list[str]) -> None:
        # A read-only registry lists all the same, computing each time.
        with suppress(OSError):
            index.write(self.path / INDEX_FILE, main, rows, volatile)

    def _index_write(self, name: str, before: str | None, after: str, st: State) -> None:
        """Append ``name``'s row to the index (under the writer lock) if it ends at ``before``."""
        if before is None:
            return
        if st.latest and not self._tag_exists(name, st.latest):
            return  # not a row to keep (see _add_row): the next reader recomputes it
        found = self._git.find_blob(after, self._ordered(prompt_paths(name), after))
        try:
            row = None if found is None else self._listed(name, found[1], st)
        except GitPromptsError:
            row = None
        with suppress(OSError):
            index.append(self.path / INDEX_FILE, before, after, name, row)

    def _listed(self, name: str, blob: str, st: State) -> index.Row | None:
        """The listing's row for ``name`` (main's file is ``blob``); None with no live version."""
        latest = self._latest(name, st)
        if not latest:
            return None
        tags = st.prompt_tags
        if latest == st.latest and blob == st.latest_blob:
            # main still holds exactly the newest version's file: no need to
            # read the version commit's tree, nor (with prompt tags recorded)
            # to parse the file: YAML costs ~0.3 ms, most of a listing.
            tag = self._git.peel_tag(tag_ref(name, latest))
            if tag is None:
                return None
            created = tag.tagger.time
            if tags is None:  # a state from before prompt tags: the latest version's, as then
                tags = st.version_tags.get(str(latest), self._file(blob, name).tags)
        else:
            record = self._version(name, latest)
            if record is None:
                return None
            created = record.tag.tagger.time
            if tags is None:
                tags = st.version_tags.get(str(latest), record.file.tags)
        return index.Row(name, latest, dict(sorted(st.aliases.items())), dict(tags), created * 1000)

    def prompt_tags(self, name: str) -> dict[str, str]:
        """The prompt-level tags of ``name`` (MLflow's ``get_prompt_tags``).

        >>> reg.register("greet", "Hi", tags={"team": "nlp"}).version  # doctest: +SKIP
        1
        >>> reg.prompt_tags("greet")  # doctest: +SKIP
        {'team': 'nlp'}
        """
        validate_name(name)
        st = self._state(name, self._refresh())
        latest = self._latest(name, st)
        if latest == 0:
            raise PromptNotFoundError(name)
        return self._recorded_tags(name, st, latest)

    def _recorded_tags(self, name: str, st: State, latest: int) -> dict[str, str]:
        """``st``'s prompt tags; for a state from before them, the latest version's tags."""
        if st.prompt_tags is not None:
            return dict(sorted(st.prompt_tags.items()))
        if latest == 0:
            return {}
        record = self._version(name, latest)
        return {} if record is None else dict(st.version_tags.get(str(latest), record.file.tags))

    def prompt_file(self, name: str, version: object) -> tuple[PromptVersion, bytes]:
        """Version ``version`` of ``name`` and the exact bytes of its ``.prompt`` file."""
        found = self.get(name, version)
        assert found.blob_id is not None
        return found, self._git.read_blob(found.blob_id)

    def current_number(self, name: str, number: int, blob_id: str) -> int | None:
        """The number the version written as ``name/number`` with file ``blob_id`` has now.

        ``pull`` renumbers unpublished local versions that collide with the
        remote's (3 becomes 4); a model pins content, so the content finds
        the new number. None when no version has that content.

        >>> reg.current_number("greet", 3, pinned.blob_id)  # doctest: +SKIP
        4
        """
        record = self._version(name, number)
        if record is not None and record.blob == blob_id:
            return number
        latest = self._latest(name, self._state(name, self._refresh()))
        for candidate in range(number + 1, latest + 1):
            record = self._version(name, candidate)
            if record is not None and record.blob == blob_id:
                return candidate
        return None

    def linked_models(self, name: str, version: object = None) -> dict[int, list[str]]:
        """Model ids recorded (git notes) on the versions of ``name``: ``{version: [ids]}``.

        Deleted versions count too: a model that pinned one still uses it.
        """
        validate_name(name)
        main = self._refresh()
        st = self._state(name, main)
        if version is not None:
            numbers = [parse_version(version)]
        else:
            # Up to the highest tagged number, not the file's claim: bounded by real tags.
            numbers = list(range(1, self._top(name, st) + 1))
        found: dict[int, list[str]] = {}
        for number in numbers:
            record = self._version(name, number)
            if record is None:
                continue
            note = self._git.note(MODELS_NOTES, record.commit)
            if note:
                found[number] = note_ids(note)
        return found

    def link_model(self, commits: list[str], model_id: str) -> None:
        """Add ``model_id`` to the models note of each commit (merged, in one transaction)."""
        with self.transaction() as txn:
            for commit in sorted(set(commits)):
                ids = note_ids(txn.git.note(MODELS_NOTES, commit) or "")
                if model_id not in ids:
                    txn.write_note(commit, note_text([*ids, model_id]))

    # -- writing -------------------------------------------------------------

    @contextmanager
    def transaction(self, *, publish: bool = True) -> Iterator[Transaction]:
        """The one way to write: ``with registry.transaction() as txn: ...``.

        Holds the writer lock for the block, after finishing any ref update a
        killed writer left behind, with ``txn.main`` read under the lock. When
        the block moved a ref and ``publish`` is true, the upstream (if any)
        is told afterwards, outside the lock. Sync passes ``publish=False``:
        it is how the upstream itself reads and writes.
        """
        author = self._git.identity(self.author)
        with self._writer_lock():
            self._git.recover()
            txn = Transaction(self._git, self._refresh(), author)
            yield txn
        if txn.moved:
            # Outside the lock: it only looks (~50 µs) and at most starts a
            # background process, which takes the lock itself to pack refs.
            maintenance.after_write(self.path)
        if txn.moved and publish and self.upstream is not None:
            self.upstream.after_write(self)

    def _ordered(self, paths: tuple[str, str], main: str | None) -> tuple[str, str]:
        """``(sharded, flat)`` paths in the order to look them up in a registry at ``main``.

        A flat registry's trees hold 10,000 entries and libgit2 parses such a
        tree again for every lookup (it caches only small objects): looking
        at the sharded path first doubled the cost of a register there.
        """
        return (paths[1], paths[0]) if self._is_flat(main) else paths

    def _is_flat(self, main: str | None) -> bool:
        """Whether ``main`` is in the flat layout (a registry not migrated yet): write it flat.

        An empty registry starts sharded; a flat one stays flat until
        ``gitprompts migrate``, so a teammate on an older gitprompts still
        reads everything it writes.
        """
        if self._flat is None or self._flat[0] != main:
            self._flat = (main, self._git.has_flat_files(main, (PROMPTS_DIR, STATE_DIR)))
        return self._flat[1]

    def _writer_lock(self) -> Any:
        """The registry's writer lock, held for the ``with`` block.

        filelock is imported on the first write (import time matters). The
        poll interval is short because writers hold the lock for a few ms and
        filelock's default 50 ms poll would leave it idle most of the time.
        """
        if self._lock_object is None:
            import filelock

            self._lock_object = filelock.FileLock(str(self.path / LOCK_FILE), timeout=LOCK_TIMEOUT)
        return self._lock_object.acquire(poll_interval=0.002)

    def register(
        self,
        name: str,
        template: object,
        commit_message: str | None = None,
        tags: dict[str, Any] | None = None,
        response_format: Any = None,
        model_config: dict[str, Any] | None = None,
        *,
        created: int | None = None,
    ) -> PromptVersion:
        """Write the next version of ``name`` (creating the prompt if it is new).

        ``created`` (ms since the epoch) dates the version tag, which is where
        ``creation_timestamp`` comes from: an import keeps the original time
        (to the second: git dates have no milliseconds). Default: now.
        """
        validate_name(name)
        from gitprompts.core import fields  # yaml, for writers only

        file = fields.prompt_file(template, commit_message, tags, response_format, model_config)
        data = fields.encode(file)
        blob = self._git.blob_id(data)
        with self.transaction() as txn:
            main = txn.main
            st = self._state(name, main)
            number = next_number(st.latest, lambda n: self._tag_exists(name, n))
            if number > MAX_VERSION:
                raise InvalidInputError(
                    f"prompt {name!r} cannot have a version {number}: a prompt has at most "
                    f"{MAX_VERSION} versions (its state file says {st.latest} were given "
                    "out); register the text under a new prompt name"
                )
            # As MLflow does, the version's tags also tag the prompt, key by key
            # (a register without tags leaves the prompt's tags as they are).
            prompt_tags = {**self._recorded_tags(name, st, self._latest(name, st)), **file.tags}
            new_state = _replace(st, latest=number, latest_blob=blob, prompt_tags=prompt_tags)
            message = commit_message or default_message(name, number)
            flat = self._is_flat(main)
            file_path, state_file = paths(name, flat=flat)
            commit = txn.write_commit(
                {file_path: data, state_file: state.encode(new_state, state_file)}, message
            )
            tagger = (
                txn.author
                if created is None
                else dataclasses.replace(txn.author, time=created // 1000)
            )
            tag = txn.git.write_tag_object(tag_name(name, number), commit, message, tagger)
            txn.update_refs({tag_ref(name, number): (None, tag), MAIN: (main, commit)}, message)
            self._flat = (commit, flat)  # our own commit keeps the layout it was written in
            self._index_write(name, main, commit, new_state)
        # Prime the cache from what was just written instead of reading it back.
        from gitprompts.git.repo import TagInfo

        tag_info = TagInfo(tag, commit, tagger, message)
        self._versions[(name, number)] = _Version(file, tag_info, blob)
        return self._get(name, number)

    def _update_state(
        self, name: str, change: Callable[[State, int], State], message: str
    ) -> State:
        """Apply ``change(state, latest)`` to ``state/<name>.json`` as one commit on main."""
        with self.transaction() as txn:
            st = self._state(name, txn.main)
            latest = self._latest(name, st)
            if latest == 0:
                raise self._not_found(name)
            new = change(st, latest)
            if new == st:
                return st
            main = txn.main
            flat = self._is_flat(main)
            path = paths(name, flat=flat)[1]
            commit = txn.write_commit({path: state.encode(new, path)}, message)
            txn.update_refs({MAIN: (main, commit)}, message)
            self._flat = (commit, flat)
            self._index_write(name, main, commit, new)
            return new

    def _live(self, name: str, version: object, st: State) -> int:
        number = parse_version(version)
        if number in st.deleted or self._version(name, number) is None:
            self._raise_missing(name, number, st, deleted=number in st.deleted)
        return number

    def set_alias(self, name: str, alias: str, version: object) -> None:
        validate_name(name)
        validate_alias(alias)

        def change(st: State, latest: int) -> State:
            number = self._live(name, version, st)
            if alias not in st.aliases and len(st.aliases) >= state.MAX_ALIASES:
                raise InvalidInputError(
                    f"prompt {name!r} already has {len(st.aliases)} aliases, the most a prompt "
                    f"may have ({state.MAX_ALIASES} aliases); move or delete one instead of "
                    f"adding {alias!r}"
                )
            return _replace(st, aliases={**st.aliases, alias: number})

        self._update_state(name, change, f"Set alias {alias} of {name} to version {version}")

    def delete_alias(self, name: str, alias: str) -> None:
        validate_name(name)
        validate_alias(alias)

        def change(st: State, latest: int) -> State:
            if alias not in st.aliases:
                raise AliasNotFoundError(name, alias, list(st.aliases))
            return _replace(st, aliases={a: v for a, v in st.aliases.items() if a != alias})

        self._update_state(name, change, f"Delete alias {alias} of {name}")

    def delete_version(self, name: str, version: object) -> None:
        """Mark a version deleted; its number is never given out again.

        The tag stays (published history is immutable and server hooks refuse
        tag deletion); loading the version raises, and aliases on it go away.
        """
        validate_name(name)

        def change(st: State, latest: int) -> State:
            number = self._live(name, version, st)
            tags = {k: v for k, v in st.version_tags.items() if k != str(number)}
            configs = {k: v for k, v in st.model_configs.items() if k != str(number)}
            return _replace(
                st,
                latest=max(st.latest, latest),
                deleted=sorted({*st.deleted, number}),
                aliases={a: v for a, v in st.aliases.items() if v != number},
                version_tags=tags,
                model_configs=configs,
            )

        self._update_state(name, change, f"Delete {name} version {version}")

    def set_version_tag(self, name: str, version: object, key: str, value: object) -> None:
        validate_name(name)
        from gitprompts.core import fields  # yaml, for writers only

        fields.check_tags({key: value})

        def change(st: State, latest: int) -> State:
            number = self._live(name, version, st)
            current = self._make(name, number, self._versions[(name, number)], st).tags
            tags = {**st.version_tags, str(number): {**current, key: str(value)}}
            return _replace(st, version_tags=tags)

        self._update_state(name, change, f"Set tag {key} on {name} version {version}")

    def delete_version_tag(self, name: str, version: object, key: str) -> None:
        validate_name(name)

        def change(st: State, latest: int) -> State:
            number = self._live(name, version, st)
            current = self._make(name, number, self._versions[(name, number)], st).tags
            if key not in current:
                raise InvalidInputError(
                    f"version {number} of prompt {name!r} has no tag {key!r} "
                    f"(its tags: {', '.join(sorted(current)) or 'none'})"
                )
            remaining = {k: v for k, v in current.items() if k != key}
            return _replace(st, version_tags={**st.version_tags, str(number): remaining})

        self._update_state(name, change, f"Delete tag {key} from {name} version {version}")

    def delete_prompt(self, name: str) -> int:
        """Delete every version of ``name`` (MLflow's ``delete_prompt``); returns how many.

        As for a deleted version, the tags stay (published history is
        immutable), nothing of it loads or lists any more, and its numbers
        are never given out again: registering ``name`` again continues the
        numbering. Its aliases, prompt tags and edited version metadata go.
        """
        validate_name(name)
        count = 0

        def change(st: State, latest: int) -> State:
            nonlocal count
            top = self._top(name, st)
            dead = set(st.deleted)
            # One tag probe per number (~5 µs): only versions that exist are listed,
            # so the hook's check that deleted numbers exist holds.
            live = [n for n in range(1, top + 1) if n not in dead and self._tag_exists(name, n)]
            count = len(live)
            return _replace(
                st,
                latest=max(st.latest, top),
                deleted=sorted(dead.union(live)),
                aliases={},
                version_tags={},
                model_configs={},
                prompt_tags={},
            )

        self._update_state(name, change, f"Delete prompt {name}")
        return count

    def set_prompt_tag(self, name: str, key: str, value: object) -> None:
        """Set tag ``key`` on the prompt itself (not on a version)."""
        validate_name(name)
        from gitprompts.core import fields  # yaml, for writers only

        checked = fields.check_tags({key: value})

        def change(st: State, latest: int) -> State:
            return _replace(st, prompt_tags={**self._recorded_tags(name, st, latest), **checked})

        self._update_state(name, change, f"Set tag {key} on prompt {name}")

    def delete_prompt_tag(self, name: str, key: str) -> None:
        """Remove tag ``key`` from the prompt; raises if the prompt has no such tag."""
        validate_name(name)

        def change(st: State, latest: int) -> State:
            current = self._recorded_tags(name, st, latest)
            if key not in current:
                raise InvalidInputError(
                    f"prompt {name!r} has no tag {key!r} "
                    f"(its tags: {', '.join(sorted(current)) or 'none'})"
                )
            return _replace(st, prompt_tags={k: v for k, v in current.items() if k != key})

        self._update_state(name, change, f"Delete tag {key} from prompt {name}")

    def set_model_config(self, name: str, version: object, model_config: object) -> None:
        """Replace the model config version ``version`` loads with (its file stays as written)."""
        validate_name(name)
        from gitprompts.core import fields  # yaml, for writers only

        config = fields.check_mapping("model_config", model_config)
        if config is None:
            raise InvalidInputError(
                "model_config must be a dict, not None; use delete_prompt_model_config to remove it"
            )

        def change(st: State, latest: int) -> State:
            number = self._live(name, version, st)
            return _replace(st, model_configs={**st.model_configs, str(number): config})

        self._update_state(name, change, f"Set model config of {name} version {version}")

    def delete_model_config(self, name: str, version: object) -> None:
        """Version ``version`` loads with no model config from now on."""
        validate_name(name)

        def change(st: State, latest: int) -> State:
            number = self._live(name, version, st)
            return _replace(st, model_configs={**st.model_configs, str(number): None})

        self._update_state(name, change, f"Delete model config of {name} version {version}")


def _prompt(row: index.Row) -> Prompt:
    return Prompt(row.name, row.latest, dict(row.aliases), dict(row.tags), row.created)


def _replace(st: State, **changes: Any) -> State:
    return msgspec.structs.replace(st, **changes)
