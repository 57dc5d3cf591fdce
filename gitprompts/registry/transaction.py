"""One write seam: every write to a registry is a ``Transaction``.

``Registry.transaction()`` takes the writer lock (a filelock in the
repository), finishes a ref update that a killed writer left half done,
reads ``main`` under the lock, and hands the writer a ``Transaction``; refs
then move compare-and-swap inside git's own ``<ref>.lock`` files. When the
block ends and something moved, the registry's ``Upstream`` (a URL
registry's remote) hears of it, so no write can forget to reach the remote.

>>> with registry.transaction() as txn:                          # doctest: +SKIP
...     commit = txn.write_commit({"state/greet.json": data}, "Set alias")
...     txn.update_refs({MAIN: (txn.main, commit)}, "Set alias")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from gitprompts.core.layout import MAIN, MODELS_NOTES

if TYPE_CHECKING:
    from gitprompts.git.repo import GitRepo, Person
    from gitprompts.registry.registry import Registry

RefUpdates = Mapping[str, tuple[str | None, str | None]]


class Upstream(Protocol):
    """A registry this one mirrors (``gitprompts.remote.mirror.Mirror`` for URL registries).

    The registry calls it; it never subclasses the registry, so a new write
    path cannot forget it.
    """

    def refresh(self, registry: Registry, *, force: bool = False) -> bool:
        """Bring the remote's changes in (at most every so often unless ``force``); True if done."""
        ...

    def after_write(self, registry: Registry) -> None:
        """Publish what a transaction just wrote."""
        ...


class Transaction:
    """What a writer holds inside ``Registry.transaction()``.

    ``main`` is the tip read under the lock and follows the transaction's own
    moves; ``moved`` lists the refs it changed.
    """

    def __init__(self, git: GitRepo, main: str | None, author: Person) -> None:
        self.git = git
        self.main = main
        self.author = author
        self.moved: list[str] = []

    def write_commit(self, changes: Mapping[str, bytes | None], message: str) -> str:
        """A commit on ``main`` with files set (bytes) or removed (None); no ref moves yet."""
        return self.git.write_commit(self.main, changes, message, self.author)

    def update_refs(self, updates: RefUpdates, message: str) -> None:
        """Move refs compare-and-swap, ``{ref: (expected, new)}``: all of them or none."""
        changed = {ref: change for ref, change in updates.items() if change[0] != change[1]}
        if not changed:
            return
        self.git.update_refs(changed, message)
        self.moved += sorted(changed)
        if MAIN in changed:
            self.main = changed[MAIN][1]

    def write_note(self, commit: str, text: str) -> None:
        """Set the models note of ``commit`` (libgit2 moves the notes ref; we hold the lock)."""
        self.git.write_note(MODELS_NOTES, commit, text, self.author)
        if MODELS_NOTES not in self.moved:
            self.moved.append(MODELS_NOTES)
