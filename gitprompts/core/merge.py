"""Replaying a local commit on the remote ``main``: the decisions, with no git in sight.

When ``pull`` finds that both sides wrote to ``main``, each local-only commit
is replayed on the remote's (``gitprompts.remote.rebase`` walks the history
and writes the objects). Per prompt the commit touched, two things are
decided here, from plain values:

- ``renumber``: versions the commit created get the numbers after the
  highest one on the tip they are replayed onto (the remote may have given
  out the same numbers meanwhile);
- ``merge_state``: ``state/<name>.json`` is merged, not copied. Local alias
  moves apply (pointing at renumbered versions); an alias both sides moved
  keeps the later move and the other is reported; ``deleted`` is the
  union; edited version tags and model configs follow renumbered versions;
  prompt tags merge key by key (the local commit's edits win, as the later
  write); ``latest`` is the maximum.

>>> before, after = State(latest=2), State(latest=3, aliases={"prod": 3})
>>> onto = State(latest=4)                    # the remote registered 3 and 4
>>> numbers = renumber(before, after, onto)
>>> numbers
{3: 5}
>>> merged, conflicts = merge_state(
...     "greet", before, after, onto, numbers=numbers, remote_moves={}, local_at=100
... )
>>> merged.latest, merged.aliases, conflicts
(5, {'prod': 5}, {})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from gitprompts.core.state import State


class RemoteMove(NamedTuple):
    """Where the remote moved an alias since the common base (None: removed it), and when."""

    version: int | None
    at: int  # author time of the remote's newest commit that moved it (seconds since the epoch)


class Merged(NamedTuple):
    state: State
    conflicts: dict[str, str]  # alias -> which move was kept and which was dropped


def renumber(before: State, after: State, onto: State) -> dict[int, int]:
    """``{local number: final number}`` for the versions a local commit created.

    ``before`` and ``after`` are the prompt's state at the commit's parent
    and at the commit; ``onto`` is its state on the tip the commit is
    replayed onto. A number nobody else took is kept.

    >>> renumber(State(latest=2), State(latest=4), State(latest=3))
    {3: 4, 4: 5}
    >>> renumber(State(latest=2), State(latest=3), State(latest=2))
    {3: 3}
    """
    first = onto.latest + 1
    return {
        number: first + i for i, number in enumerate(range(before.latest + 1, after.latest + 1))
    }


def merge_state(
    name: str,
    before: State,
    after: State,
    onto: State,
    *,
    numbers: Mapping[int, int],
    remote_moves: Mapping[str, RemoteMove],
    local_at: int,
) -> Merged:
    """``onto`` plus what one local commit changed in ``name``'s state (``before`` -> ``after``).

    ``numbers`` maps local version numbers to their final ones (every
    version of ``name`` the replay has renumbered so far, this commit's
    included); ``remote_moves`` holds the aliases the remote moved since
    the common base; ``local_at`` is the local commit's author time. When
    both sides moved an alias to different versions, the later move stays
    (the local one on a tie) and the conflict is reported, keyed by alias.

    >>> before = State(latest=2, aliases={"prod": 1})
    >>> after = State(latest=2, aliases={"prod": 2})
    >>> onto = State(latest=3, aliases={"prod": 3})
    >>> merged, conflicts = merge_state(
    ...     "greet", before, after, onto,
    ...     numbers={}, remote_moves={"prod": RemoteMove(3, at=200)}, local_at=100,
    ... )
    >>> merged.aliases
    {'prod': 3}
    >>> print(conflicts["prod"])
    greet@prod: kept the remote's move to version 3 (the later move); dropped your move to version 2
    """

    def final(number: int) -> int:
        return numbers.get(number, number)

    aliases = dict(onto.aliases)
    conflicts: dict[str, str] = {}
    for alias in sorted(before.aliases.keys() | after.aliases.keys()):
        now = after.aliases.get(alias)
        if before.aliases.get(alias) == now:
            continue  # this commit did not move it: whatever onto has stands
        mine = None if now is None else final(now)
        theirs = remote_moves.get(alias)
        if theirs is not None and theirs.version != mine:
            # Compare with where the remote moved it, not with onto: onto may
            # hold an earlier local commit's move of the same alias.
            if theirs.at > local_at:
                conflicts[alias] = (
                    f"{name}@{alias}: kept the remote's {_move(theirs.version)} "
                    f"(the later move); dropped your {_move(mine)}"
                )
                continue
            conflicts[alias] = (
                f"{name}@{alias}: kept your {_move(mine)} (the later move); "
                f"overrode the remote's {_move(theirs.version)}"
            )
        if mine is None:
            aliases.pop(alias, None)
        else:
            aliases[alias] = mine
    # A version deleted on either side stays deleted: deletion is never undone.
    deleted = sorted({*onto.deleted, *(final(n) for n in after.deleted)})
    version_tags = dict(onto.version_tags)
    for key in sorted(before.version_tags.keys() | after.version_tags.keys()):
        edited = after.version_tags.get(key)
        if before.version_tags.get(key) == edited:
            continue
        target = str(final(int(key)))
        if edited is None:
            version_tags.pop(target, None)  # back to the tags it was registered with
        else:
            version_tags[target] = edited
    model_configs = dict(onto.model_configs)
    for key in sorted(before.model_configs.keys() | after.model_configs.keys()):
        # A key's absence (the registered config) differs from None (deleted).
        gone = key not in after.model_configs
        config = after.model_configs.get(key)
        if (key not in before.model_configs) == gone and before.model_configs.get(key) == config:
            continue
        target = str(final(int(key)))
        if gone:
            model_configs.pop(target, None)
        else:
            model_configs[target] = config
    latest = max([onto.latest, *numbers.values()])
    # latest_blob is left unknown: readers then take version ``latest``'s file
    # from its commit, which is always right.
    merged = State(
        latest=latest,
        aliases=aliases,
        deleted=deleted,
        version_tags=version_tags,
        prompt_tags=_merge_tags(before.prompt_tags, after.prompt_tags, onto.prompt_tags),
        model_configs=model_configs,
    )
    return Merged(merged, conflicts)


def _merge_tags(
    before: dict[str, str] | None, after: dict[str, str] | None, onto: dict[str, str] | None
) -> dict[str, str] | None:
    """Prompt tags: ``onto`` plus each key the local commit set or removed (last writer wins).

    >>> _merge_tags({"a": "1"}, {"a": "2"}, {"a": "1", "b": "3"})
    {'a': '2', 'b': '3'}
    """
    if before == after:
        return onto
    merged = dict(onto or {})
    old, new = before or {}, after or {}
    for key in sorted(old.keys() | new.keys()):
        if old.get(key) == new.get(key):
            continue
        if key in new:
            merged[key] = new[key]
        else:
            merged.pop(key, None)
    return merged


def _move(version: int | None) -> str:
    return "removal" if version is None else f"move to version {version}"
