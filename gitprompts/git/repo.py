"""The git backend: the only module that touches git objects and refs (through pygit2).

It knows nothing about prompts: it reads files at commits, writes trees,
commits and annotated tags, and moves refs compare-and-swap. pygit2 is
imported here and nowhere else, and this module is imported lazily, so
``import gitprompts`` does not pay for libgit2.

Ref updates go through a libgit2 transaction that takes git's own
``<ref>.lock`` files, so they are also safe against a plain ``git`` process
writing the same repository. Before a transaction starts, its intent is
written to ``gitprompts.txn`` (a tiny write-ahead log), and once the locks
are taken, which lock files they are (device and inode). If the writer dies
before renaming them into place, the next writer (who holds the registry
lock, so no other gitprompts writer is running) removes the dead writer's
lock files and finishes the update instead of leaving a lock behind forever.
A lock file that is not provably the dead writer's belongs to a plain ``git``
process: it is left alone and the write refused (``ConcurrentUpdateError``).
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import signal
import socket
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pygit2
from pygit2.enums import ObjectType

from gitprompts.errors import (
    ConcurrentUpdateError,
    CorruptTagError,
    IdentityWarning,
    InvalidIdentityError,
    NotARegistryError,
    RegistryWriteError,
)
from gitprompts.fs.atomic import atomic_write

MAIN = "refs/heads/main"
TXN_FILE = "gitprompts.txn"
# How long after writing its log a writer can take to lock its refs. Only a
# writer killed in that gap (about 0.1 ms: no lock identities logged yet) is
# judged by it: an empty lock file created within it is taken to be the dead
# writer's (libgit2 writes nothing into a lock before renaming it; git writes
# the new value into its lock as soon as it takes it).
LOCK_GRACE_NS = 1_000_000_000

_BLOB = pygit2.enums.FileMode.BLOB
_TREE = pygit2.enums.FileMode.TREE
_ZERO = timedelta(0)
_T = TypeVar("_T")
# An object write retried this often when a concurrent prune removed its directory.
_WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    time: int  # seconds since the epoch
    offset: int = 0  # minutes east of UTC

    def signature(self) -> pygit2.Signature:
        return pygit2.Signature(self.name, self.email, self.time, self.offset)


@dataclass(frozen=True)
class TagInfo:
    """A version tag peeled to its commit."""

    ref_target: str  # the tag object (annotated) or the commit (lightweight)
    commit: str
    tagger: Person
    message: str


@dataclass(frozen=True)
class CommitInfo:
    oid: str
    parents: tuple[str, ...]
    author: Person
    message: str


def _person(sig: pygit2.Signature) -> Person:
    return Person(sig.name, sig.email, sig.time, sig.offset)


def _commit_info(commit: pygit2.Commit) -> CommitInfo:
    return CommitInfo(
        str(commit.id),
        tuple(str(p) for p in commit.parent_ids),
        _person(commit.author),
        commit.message,
    )


def init_bare(path: Path) -> None:
    """Create a bare repository at ``path`` atomically (safe if two processes race)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        pygit2.init_repository(str(tmp), bare=True, initial_head="main")
        try:
            os.rename(tmp, path)
        except OSError:
            if not (path / "HEAD").exists():
                raise
            # Another process created it first; theirs is as good as ours.
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


_identity_warned = False


def _warn_guessed_identity(name: str, email: str) -> None:
    """Say once per process that authors are the OS user (``root <root@host>`` in a container)."""
    global _identity_warned
    if not _identity_warned:
        _identity_warned = True
        warnings.warn(IdentityWarning(name, email), stacklevel=4)


class GitRepo:
    """A bare repository opened once and reused (libgit2 caches objects per handle)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._repo = pygit2.Repository(str(path))
        except pygit2.GitError as exc:
            raise NotARegistryError(path, str(exc)) from None
        if not self._repo.is_bare:
            raise NotARegistryError(path, "it has a work tree")
        self._configured: tuple[str | None, str | None] | None = None

    # -- reading -------------------------------------------------------------

    def ref(self, name: str) -> str | None:
        """The object id a direct ref points at, or None (a single-ref probe)."""
        ref = self._repo.references.get(name)
        if ref is None:
            return None
        return str(ref.target)

    def peel_tag(self, name: str) -> TagInfo | None:
        ref = self._repo.references.get(name)
        if ref is None:
            return None
        found = self.tag_object_info(str(ref.target))
        if found is None:
            # Pushed past the hook (or made by hand): a tag on a blob or a tree.
            raise CorruptTagError(name, "it does not point at a commit")
        return found

    def blob_at(self, commit: str, path: str) -> str | None:
        """Object id of the file at ``path`` in ``commit``, or None."""
        try:
            entry = self._repo[commit].peel(pygit2.Tree)[path]
        except KeyError:
            return None
        return str(entry.id) if entry.type == ObjectType.BLOB else None

    @staticmethod
    def blob_id(data: bytes) -> str:
        """The object id ``data`` has (or would have) as a blob."""
        return str(pygit2.hash(data))

    def blob_size(self, oid: str) -> int:
        """The size of a blob from its object header: checked before a pushed blob is read."""
        return int(self._repo.odb.read_header(oid)[1])

    def read_blob(self, oid: str) -> bytes:
        data: bytes = self._repo[oid].read_raw()
        return data

    def find_blob(self, commit: str, paths: Iterable[str]) -> tuple[str, str] | None:
        """``(path, blob id)`` of the first of ``paths`` that is a file in ``commit``, or None.

        The sharded and the flat layout's paths of one prompt, in that order:
        a miss on the first costs one tree lookup (~2 µs).
        """
        try:
            tree = self._repo[commit].peel(pygit2.Tree)
        except (KeyError, ValueError):
            return None
        for path in paths:
            try:
                entry = tree[path]
            except KeyError:
                continue
            if entry.type == ObjectType.BLOB:
                return path, str(entry.id)
        return None

    def files(
        self, commit: str, directory: str, suffix: str, depth: int = 1
    ) -> dict[str, tuple[str, str]]:
        """``{name: (path, blob id)}`` of every ``directory/[<dirs>/]<name><suffix>`` in ``commit``.

        Each tree is read once (the listing used to look every prompt up by
        path, re-reading a 10,000-entry tree each time). Both layouts: files
        directly under ``directory`` and up to ``depth`` levels down; where a
        name has several, the deepest (sharded) one wins. Which deeper files
        belong to which name is the caller's rule (``core.layout.name_from_path``).
        """
        found: dict[str, tuple[str, str]] = {}
        top = self._subtree(self._repo[commit].peel(pygit2.Tree), directory)
        if top is None:
            return found
        level: list[tuple[str, pygit2.Tree]] = [(directory, top)]
        for down in range(depth + 1):
            deeper: list[tuple[str, pygit2.Tree]] = []
            for prefix, tree in level:
                for entry in tree:
                    name = entry.name
                    if name is None:
                        continue
                    if entry.type == ObjectType.BLOB:
                        if name.endswith(suffix):
                            found[name[: -len(suffix)]] = (f"{prefix}/{name}", str(entry.id))
                    elif down < depth:
                        sub = self._repo[entry.id]
                        if isinstance(sub, pygit2.Tree):
                            deeper.append((f"{prefix}/{name}", sub))
            level = deeper
        return found

    def has_flat_files(self, commit: str | None, directories: Iterable[str]) -> bool:
        """Whether ``commit`` holds a file directly under one of ``directories`` (the flat layout).

        Stops at the first file: a flat registry answers at once, a sharded
        one after its 16 + 16 directory entries.
        """
        if commit is None:
            return False
        root = self._repo[commit].peel(pygit2.Tree)
        for directory in directories:
            tree = self._subtree(root, directory)
            if tree is not None and any(e.type == ObjectType.BLOB for e in tree):
                return True
        return False

    def layouts(self, commit: str, directories: Iterable[str]) -> tuple[bool, bool]:
        """``(files directly under, directories under)`` any of ``directories`` in ``commit``."""
        files = folders = False
        root = self._repo[commit].peel(pygit2.Tree)
        for directory in directories:
            tree = self._subtree(root, directory)
            for entry in tree if tree is not None else ():
                if entry.type == ObjectType.BLOB:
                    files = True
                elif entry.type == ObjectType.TREE:
                    folders = True
                if files and folders:
                    return True, True
        return files, folders

    def tree_entries(self, commit: str, directory: str) -> Iterator[tuple[str, str]]:
        """``(name, blob id)`` of the files directly under ``directory`` in ``commit``."""
        try:
            entry = self._repo[commit].peel(pygit2.Tree)[directory]
        except KeyError:
            return
        tree = self._repo[entry.id]
        if not isinstance(tree, pygit2.Tree):
            return
        for child in tree:
            if child.type == ObjectType.BLOB and child.name is not None:
                yield child.name, str(child.id)

    def has_commit(self, oid: str) -> bool:
        """Whether ``oid`` names a commit in this repository."""
        try:
            return isinstance(self._repo[oid], pygit2.Commit)
        except (KeyError, ValueError):
            return False

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return ancestor == descendant or bool(self._repo.descendant_of(descendant, ancestor))

    def note(self, notes_ref: str, commit: str) -> str | None:
        try:
            return str(self._repo.lookup_note(commit, notes_ref).message)
        except KeyError:
            return None

    def identity(self, given: tuple[str, str] | None = None) -> Person:
        """Who is writing: ``given`` (name, email), else git's environment variables, then
        git config, then the OS user."""
        env = os.environ
        name = env.get("GIT_AUTHOR_NAME") or env.get("GIT_COMMITTER_NAME")
        email = env.get("GIT_AUTHOR_EMAIL") or env.get("GIT_COMMITTER_EMAIL")
        named_by = "GIT_AUTHOR_NAME/GIT_COMMITTER_NAME" if name else "git config user.name"
        mailed_by = "GIT_AUTHOR_EMAIL/GIT_COMMITTER_EMAIL" if email else "git config user.email"
        if given is not None:
            (name, email), named_by, mailed_by = given, "the writer's name", "the writer's email"
        if not (name and email):
            if self._configured is None:
                # Read once per handle: opening the config stack costs more than a write.
                config = self._repo.config
                self._configured = (
                    _config_get(config, "user.name"),
                    _config_get(config, "user.email"),
                )
            name = name or self._configured[0]
            email = email or self._configured[1]
        guessed = not (name and email)
        if not name:
            name, named_by = getpass.getuser(), "the OS user name"
        if not email:
            email, mailed_by = f"{getpass.getuser()}@{socket.gethostname()}", "user@hostname"
        _check_identity(named_by, name)
        _check_identity(mailed_by, email)
        if guessed:
            _warn_guessed_identity(name, email)
        stamp = time.time()
        offset = round(
            (datetime.fromtimestamp(stamp).astimezone().utcoffset() or _ZERO).total_seconds() / 60
        )
        return Person(name, email, int(stamp), offset)

    # -- history (for sync, rebase and the server hook) ------------------------

    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of two commits, or None when they share no history."""
        found = self._repo.merge_base(a, b)
        return None if found is None else str(found)

    def commits_between(self, tip: str, hide: str | None) -> list[CommitInfo]:
        """Commits reachable from ``tip`` but not from ``hide``, oldest first."""
        order = pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE
        walker = self._repo.walk(tip, order)
        if hide is not None:
            walker.hide(hide)
        return [_commit_info(c) for c in walker]

    def changed_paths(self, old: str | None, new: str, directory: str) -> list[str]:
        """Paths under ``directory/`` that differ from commit ``old`` (None: empty) to ``new``."""
        old_sub = (
            None if old is None else self._subtree(self._repo[old].peel(pygit2.Tree), directory)
        )
        new_sub = self._subtree(self._repo[new].peel(pygit2.Tree), directory)
        if old_sub is not None and new_sub is not None and old_sub.id == new_sub.id:
            return []
        # Recursive (files in shard directories too); a missing side compares
        # as the empty tree (pygit2's diff_to_tree() with no tree).
        if old_sub is None and new_sub is None:
            return []
        if old_sub is None:
            assert new_sub is not None
            diff = new_sub.diff_to_tree(swap=True)
        elif new_sub is None:
            diff = old_sub.diff_to_tree()
        else:
            diff = old_sub.diff_to_tree(new_sub)
        return sorted({f"{directory}/{d.new_file.path or d.old_file.path}" for d in diff.deltas})

    def _subtree(self, tree: pygit2.Tree, name: str) -> pygit2.Tree | None:
        try:
            found = self._repo[tree[name].id]
        except KeyError:
            return None
        return found if isinstance(found, pygit2.Tree) else None

    def add_object_dir(self, path: str) -> None:
        """Read objects from ``path`` too (a push's quarantine directory, in a pre-receive hook)."""
        self._repo.odb.add_disk_alternate(path)

    def tag_object_info(self, oid: str) -> TagInfo | None:
        """A tag object (or a lightweight tag's commit) peeled to its commit; None if neither."""
        try:
            target = self._repo[oid]
        except (KeyError, ValueError):
            return None
        if isinstance(target, pygit2.Tag):
            try:
                commit = target.peel(pygit2.Commit)
            except (pygit2.GitError, KeyError, ValueError):
                return None
            tagger = target.tagger or commit.committer
            return TagInfo(str(target.id), str(commit.id), _person(tagger), target.message or "")
        if isinstance(target, pygit2.Commit):
            return TagInfo(oid, oid, _person(target.committer), target.message)
        return None

    # -- writing objects (content-addressed, so safe to write at any time) ----

    def write_commit(
        self,
        parent: str | None,
        changes: Mapping[str, bytes | None],
        message: str,
        author: Person,
    ) -> str:
        """A commit on ``parent`` with files set (bytes) or removed (None); no ref moves."""

        def write() -> str:
            base = self._repo[parent].peel(pygit2.Tree) if parent else None
            tree = self._apply(base, _nest(changes))
            sig = author.signature()
            parents = [parent] if parent else []
            return str(self._repo.create_commit(None, sig, sig, message, tree, parents))

        return self._write("a commit", write)

    def _write(self, what: str, write: Callable[[], _T]) -> _T:
        """Run an object write, again if git's maintenance pulled a directory from under it.

        ``git prune-packed`` (run by the background maintenance, beside
        writers) removes loose-object directories it emptied; libgit2 makes
        the directory, then renames its temporary file into it, so a removal
        in between fails the rename with ENOENT (git itself retries there).
        Objects are content-addressed, so writing again is safe; measured in
        tests/test_maintenance.py, which failed without this.
        """
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                with self._writing(what):
                    return write()
            except RegistryWriteError as exc:
                cause = str(exc.__cause__)
                if attempt + 1 == _WRITE_ATTEMPTS or not (
                    "No such file or directory" in cause and "objects" in cause
                ):
                    raise
        raise AssertionError("unreachable")

    @contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """Turn a failed object write (a full disk, a read-only directory) into one clear error.

        libgit2 reports such failures with confusing messages (a full disk
        during a blob write surfaced as "reference ... not found"); objects
        are content-addressed, so a half-written one is never used.
        """
        try:
            yield
        except (pygit2.GitError, OSError) as exc:
            raise RegistryWriteError(self.path, f"writing {what} failed: {exc}") from exc

    def _apply(self, base: pygit2.Tree | None, changes: dict[str, object]) -> pygit2.Oid:
        builder = self._repo.TreeBuilder(base) if base is not None else self._repo.TreeBuilder()
        for name, change in changes.items():
            if isinstance(change, dict):
                sub = None
                if base is not None and name in base:
                    obj = self._repo[base[name].id]
                    sub = obj if isinstance(obj, pygit2.Tree) else None
                oid = self._apply(sub, change)
                if len(self._repo[oid].peel(pygit2.Tree)) == 0:
                    if builder.get(name) is not None:
                        builder.remove(name)
                else:
                    builder.insert(name, oid, _TREE)
            elif change is None:
                if builder.get(name) is not None:
                    builder.remove(name)
            else:
                assert isinstance(change, bytes)
                builder.insert(name, self._repo.create_blob(change), _BLOB)
        return builder.write()

    def write_tag_object(self, name: str, commit: str, message: str, tagger: Person) -> str:
        """An annotated tag object, without its ref (the ref moves in ``update_refs``)."""
        sign = "-" if tagger.offset < 0 else "+"
        hours, minutes = divmod(abs(tagger.offset), 60)
        if not message.endswith("\n"):
            message += "\n"
        raw = (
            f"object {commit}\ntype commit\ntag {name}\n"
            f"tagger {tagger.name} <{tagger.email}> {tagger.time} {sign}{hours:02d}{minutes:02d}\n"
            f"\n{message}"
        ).encode()
        return self._write("a tag", lambda: str(self._repo.odb.write(ObjectType.TAG, raw)))

    def write_note(self, notes_ref: str, commit: str, text: str, author: Person) -> None:
        sig = author.signature()
        self._write(
            "a models note", lambda: self._repo.create_note(text, sig, sig, commit, notes_ref, True)
        )

    # -- moving refs -----------------------------------------------------------

    def update_refs(
        self, updates: Mapping[str, tuple[str | None, str | None]], message: str
    ) -> None:
        """Move refs compare-and-swap: ``{ref: (expected, new)}``, None meaning absent.

        All refs are locked first, then each is checked against what the
        caller expects; any mismatch aborts before anything moves.
        """
        log = self.path / TXN_FILE
        _crash_point("before-log")
        atomic_write(log, _log(updates))
        _crash_point("before-lock")
        try:
            with self._repo.transaction() as txn:
                for ref in sorted(updates):
                    try:
                        txn.lock_ref(ref)
                    except pygit2.GitError as exc:
                        raise ConcurrentUpdateError(ref, "unlocked", f"locked ({exc})") from None
                _crash_point("locks-taken")
                # Which lock files are ours, so that recovery never removes one
                # a plain git process took after we died. Appended as a second
                # line (one small write, no new file: a second atomic write
                # cost ~0.35 ms of a ~2 ms register); a torn line reads as
                # "not recorded", which recovery already handles.
                _append(log, _locks_line(self._lock_ids(updates)))
                _crash_point("refs-locked")
                for ref, (expected, _new) in updates.items():
                    got = self.ref(ref)
                    if got != expected:
                        raise ConcurrentUpdateError(ref, expected or "absent", got or "absent")
                for ref, (_expected, new) in updates.items():
                    if new is None:
                        txn.remove(ref)
                    else:
                        txn.set_target(ref, new, message=message)
        finally:
            log.unlink(missing_ok=True)

    def _lock_ids(self, updates: Mapping[str, object]) -> dict[str, list[int]]:
        """``{ref: [device, inode]}`` of the ``<ref>.lock`` files this process holds."""
        ids = {}
        for ref in updates:
            try:
                info = os.stat(self.path / (ref + ".lock"))
            except FileNotFoundError:  # not where git keeps it: recovery judges it unrecorded
                continue
            ids[ref] = [info.st_dev, info.st_ino]
        return ids

    def recover(self) -> list[str]:
        """Finish a ref update whose writer died; call only while holding the writer lock.

        The dead writer's ``<ref>.lock`` files go; a lock file that is not
        provably its own (another inode than the log recorded, or, if it died
        before recording them, one git has written into or made later) is a
        plain git process's: it stays, the log stays for the next writer, and
        ``ConcurrentUpdateError`` is raised. The update is finished only when
        every ref is still where the writer expected it or already where it
        was going; if something else moved one, it lost that race and nothing
        of it is applied (as if its compare-and-swap had failed).

        Returns the refs that were repaired.
        """
        log = self.path / TXN_FILE
        try:
            data = log.read_bytes()
            written = log.stat().st_mtime_ns
        except FileNotFoundError:
            return []
        try:
            updates, locks = _read_log(data)
        except ValueError:
            # Not a log this code wrote (the log is replaced atomically, so a
            # half-written one cannot exist): it names nothing to trust.
            log.unlink(missing_ok=True)
            return []
        held = []
        for ref, (_expected, new) in updates.items():
            lock = self.path / (ref + ".lock")
            try:
                info = os.lstat(lock)
            except FileNotFoundError:
                continue
            if _is_ours(lock, info, locks.get(ref) if locks is not None else None, new, written):
                lock.unlink(missing_ok=True)
            else:
                held.append(ref)
        if held:
            lock = self.path / (held[0] + ".lock")
            raise ConcurrentUpdateError(
                held[0],
                "unlocked",
                f"locked by another process: {lock} is not ours (a git command is updating "
                "it; if none is running, it is stale: remove it)",
            )
        repaired = []
        current = {ref: self.ref(ref) for ref in updates}
        if all(current[ref] in pair for ref, pair in updates.items()):
            for ref, (expected, new) in updates.items():
                if current[ref] == expected and expected != new:
                    if new is None:
                        self._repo.references.delete(ref)
                    else:
                        self._repo.references.create(ref, new, force=True)
                    repaired.append(ref)
        log.unlink(missing_ok=True)
        return repaired


def _log(updates: Mapping[str, tuple[str | None, str | None]]) -> bytes:
    """The write-ahead log's first line: the updates about to be made."""
    return json.dumps({"updates": {r: list(v) for r, v in updates.items()}}).encode() + b"\n"


def _locks_line(locks: dict[str, list[int]]) -> bytes:
    """The log's second line, once the locks are taken: their files' identities."""
    return json.dumps({"locks": locks}).encode() + b"\n"


def _append(path: Path, line: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def _read_log(
    data: bytes,
) -> tuple[dict[str, tuple[str | None, str | None]], dict[str, list[int]] | None]:
    """``(updates, locks)`` from a log; ValueError for anything else.

    Accepts the older log that held only the updates (written before lock
    identities were recorded): its locks are judged as if unrecorded.
    """
    first, _, rest = data.partition(b"\n")
    record = json.loads(first)
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    raw_updates = record.get("updates", record)
    raw_locks = record.get("locks") if "updates" in record else None
    if raw_locks is None and rest.strip():
        try:
            second = json.loads(rest.splitlines()[0])
        except ValueError:
            second = None  # torn by the crash: the locks count as not recorded
        if isinstance(second, dict):
            raw_locks = second.get("locks")
    if not isinstance(raw_updates, dict):
        raise ValueError("no updates")
    updates: dict[str, tuple[str | None, str | None]] = {}
    for ref, pair in raw_updates.items():
        # A ref names a file under the repository: nothing may point outside it.
        if not ref.startswith("refs/") or ".." in ref.split("/") or "\0" in ref:
            raise ValueError(f"not a ref: {ref!r}")
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and all(v is None or isinstance(v, str) for v in pair)
        ):
            raise ValueError(f"bad update of {ref}")
        updates[ref] = (pair[0], pair[1])
    locks: dict[str, list[int]] | None = None
    if raw_locks is not None:
        if not isinstance(raw_locks, dict) or not all(
            isinstance(v, list) and len(v) == 2 and all(isinstance(n, int) for n in v)
            for v in raw_locks.values()
        ):
            raise ValueError("bad lock identities")
        locks = raw_locks
    return updates, locks


def _is_ours(
    lock: Path, info: os.stat_result, recorded: list[int] | None, new: str | None, logged: int
) -> bool:
    """Whether ``lock`` is the dead writer's own lock file (and so safe to remove).

    Recorded: the same file (device and inode), still empty or holding the
    value the writer was about to write (libgit2 fills a lock only while
    renaming it). Not recorded (killed in the ~0.1 ms between locking and
    logging): empty, and made within LOCK_GRACE_NS after the log was written.
    """
    if info.st_size == 0:
        content = b""
    else:
        with open(lock, "rb") as f:
            content = f.read(256)
    if recorded is not None:
        same = [info.st_dev, info.st_ino] == recorded
        return same and content in (b"", f"{new}\n".encode())
    return content == b"" and logged <= info.st_mtime_ns <= logged + LOCK_GRACE_NS


def _crash_point(name: str) -> None:
    """Die here with SIGKILL when ``GITPROMPTS_CRASH_AT`` names this point (crash tests).

    The crash tests kill real writer processes at random moments too; these
    named points make sure the narrow windows between steps are hit every run.
    """
    if os.environ.get("GITPROMPTS_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


# git writes "name <email> time zone" on one header line: these would break it
# (a malformed commit that git fsck reports and every later read trips over).
_IDENTITY_FORBIDDEN = {
    "<": "'<'",
    ">": "'>'",
    "\n": "a newline",
    "\r": "a carriage return",
    "\0": "NUL",
}


def _check_identity(source: str, value: str) -> None:
    for char, shown in _IDENTITY_FORBIDDEN.items():
        if char in value:
            raise InvalidIdentityError(source, value, f"it contains {shown}")


def _config_get(config: pygit2.Config, key: str) -> str | None:
    try:
        return str(config[key])
    except KeyError:
        return None


def _nest(changes: Mapping[str, bytes | None]) -> dict[str, object]:
    tree: dict[str, object] = {}
    for path, data in changes.items():
        parts = path.split("/")
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            assert isinstance(child, dict)
            node = child
        node[parts[-1]] = data
    return tree
