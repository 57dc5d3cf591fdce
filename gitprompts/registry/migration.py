"""``gitprompts migrate``: move a flat registry's ``main`` into the sharded layout.

One commit on ``main`` moves every ``prompts/<name>.prompt`` to
``prompts/<h1>/<h2>/<name>.prompt`` and every ``state/<name>.json`` to
``state/<h1>/<h2>/<name>.json`` (``core.layout``), bytes unchanged. Nothing
else moves: version tags and the commits they name are published history,
and readers find a version's file in either layout, so ``prompts/x/3`` made
before the migration loads as before. ``git log --follow`` sees a rename.

>>> from gitprompts.registry import Registry
>>> reg = Registry(tmp_path / "r.git")
>>> migrate(reg).moved          # a new registry is sharded from the start
0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitprompts.core import layout

if TYPE_CHECKING:
    from gitprompts.git.repo import GitRepo
    from gitprompts.registry.registry import Registry

MESSAGE = "Move prompts and state files into the sharded layout (gitprompts migrate)"
_KINDS = (
    (layout.PROMPTS_DIR, layout.PROMPT_SUFFIX, layout.prompt_path),
    (layout.STATE_DIR, layout.STATE_SUFFIX, layout.state_path),
)


@dataclass(frozen=True)
class Migration:
    """What ``migrate`` did: how many files it moved, and the commit (None: nothing to do)."""

    moved: int
    commit: str | None


def migration_changes(git: GitRepo, commit: str | None) -> dict[str, bytes | None]:
    """The file changes that move ``commit``'s flat files to their sharded paths ({} if none).

    A name that already has a sharded file keeps it (it wins on every read);
    its flat file just goes.
    """
    changes: dict[str, bytes | None] = {}
    if commit is None:
        return changes
    for directory, suffix, sharded in _KINDS:
        for file, blob in git.tree_entries(commit, directory):
            if not file.endswith(suffix) or len(file) == len(suffix):
                continue  # not a prompt's file: the hook never let one in; left alone
            name = file[: -len(suffix)]
            changes[f"{directory}/{file}"] = None
            if git.find_blob(commit, (sharded(name),)) is None:
                changes[sharded(name)] = git.read_blob(blob)
    return changes


def migrate(registry: Registry) -> Migration:
    """Rewrite ``main`` forward into the sharded layout (one commit; tags untouched)."""
    with registry.transaction() as txn:
        changes = migration_changes(txn.git, txn.main)
        if not changes:
            return Migration(0, None)
        commit = txn.write_commit(changes, MESSAGE)
        txn.update_refs({layout.MAIN: (txn.main, commit)}, MESSAGE)
    registry.forget_cache()
    moved = sum(1 for data in changes.values() if data is not None)
    return Migration(moved, commit)
