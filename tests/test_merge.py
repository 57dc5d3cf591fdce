"""The state merge of a replayed local commit (``gitprompts.core.merge``), case by case.

Every case is one local commit ``before -> after`` of prompt ``greet``,
replayed onto ``onto`` (the remote's state, plus earlier replayed commits).
``numbers`` is the renumbering so far, ``remote`` the aliases the remote
moved since the common base, and the local commit was authored at t=100.
tests/test_sync.py drives the same code end to end through real repositories.
"""

from __future__ import annotations

import pytest

from gitprompts.core.merge import RemoteMove, merge_state, renumber
from gitprompts.core.state import State

LOCAL_AT = 100


def merge(
    before: State,
    after: State,
    onto: State,
    numbers: dict[int, int] | None = None,
    remote: dict[str, RemoteMove] | None = None,
) -> tuple[State, dict[str, str]]:
    return merge_state(
        "greet",
        before,
        after,
        onto,
        numbers=numbers or {},
        remote_moves=remote or {},
        local_at=LOCAL_AT,
    )


# before aliases, after aliases, onto aliases, numbers, remote moves,
# expected aliases, expected conflict on "prod": the phrases it must contain (None: no conflict).
ALIAS_CASES = [
    pytest.param(
        {"prod": 1}, {"prod": 2}, {"prod": 1}, {}, {},
        {"prod": 2}, None,
        id="only-local-moved",
    ),
    pytest.param(
        {"prod": 1}, {"prod": 2}, {"prod": 1}, {2: 4}, {},
        {"prod": 4}, None,
        id="only-local-moved-to-a-renumbered-version",
    ),
    pytest.param(
        {}, {"staging": 2}, {"prod": 3}, {}, {"prod": RemoteMove(3, at=200)},
        {"prod": 3, "staging": 2}, None,
        id="local-added-an-alias",
    ),
    pytest.param(
        {"prod": 1, "dev": 1}, {"prod": 1, "dev": 2}, {"prod": 3, "dev": 1}, {},
        {"prod": RemoteMove(3, at=200)},
        {"prod": 3, "dev": 2}, None,
        id="only-remote-moved",
    ),
    pytest.param(
        {"prod": 1}, {"prod": 3}, {"prod": 3}, {}, {"prod": RemoteMove(3, at=200)},
        {"prod": 3}, None,
        id="both-moved-to-the-same-version",
    ),
    pytest.param(
        {"prod": 1}, {"prod": 2}, {"prod": 3}, {}, {"prod": RemoteMove(3, at=200)},
        {"prod": 3}, ("greet@prod", "kept the remote's move to version 3", "dropped your move to version 2"),
        id="both-moved-remote-later",
    ),
    pytest.param(
        {"prod": 1}, {"prod": 2}, {"prod": 3}, {}, {"prod": RemoteMove(3, at=50)},
        {"prod": 2}, ("greet@prod", "kept your move to version 2", "overrode the remote's move to version 3"),
        id="both-moved-local-later",
    ),
    pytest.param(
        {"prod": 1}, {"prod": 2}, {"prod": 3}, {}, {"prod": RemoteMove(3, at=LOCAL_AT)},
        {"prod": 2}, ("kept your move to version 2", "overrode the remote's move to version 3"),
        id="both-moved-at-the-same-second-local-wins",
    ),
    pytest.param(
        {"prod": 1}, {"prod": 2}, {"prod": 3}, {2: 4}, {"prod": RemoteMove(3, at=200)},
        {"prod": 3}, ("kept the remote's move to version 3", "dropped your move to version 4"),
        id="both-moved-remote-later-names-the-renumbered-version",
    ),
    pytest.param(
        {"prod": 1}, {}, {"prod": 3}, {}, {"prod": RemoteMove(3, at=200)},
        {"prod": 3}, ("kept the remote's move to version 3", "dropped your removal"),
        id="local-removed-remote-moved-later",
    ),
    pytest.param(
        {"prod": 1}, {}, {"prod": 3}, {}, {"prod": RemoteMove(3, at=50)},
        {}, ("kept your removal", "overrode the remote's move to version 3"),
        id="local-removed-remote-moved-earlier",
    ),
    pytest.param(
        {"prod": 1}, {"prod": 2}, {}, {}, {"prod": RemoteMove(None, at=200)},
        {}, ("kept the remote's removal", "dropped your move to version 2"),
        id="remote-removed-local-moved-earlier",
    ),
    pytest.param(
        {"prod": 1}, {"prod": 2}, {}, {}, {"prod": RemoteMove(None, at=50)},
        {"prod": 2}, ("kept your move to version 2", "overrode the remote's removal"),
        id="remote-removed-local-moved-later",
    ),
    pytest.param(
        {"prod": 1}, {}, {}, {}, {"prod": RemoteMove(None, at=200)},
        {}, None,
        id="both-removed",
    ),
    # An earlier local commit moved prod to 2 and won over the remote's 3;
    # this one moves it again: the report is about the remote's 3, not onto's 2.
    pytest.param(
        {"prod": 2}, {"prod": 1}, {"prod": 2}, {}, {"prod": RemoteMove(3, at=50)},
        {"prod": 1}, ("kept your move to version 1", "overrode the remote's move to version 3"),
        id="second-local-move-reports-the-remote-version",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("before", "after", "onto", "numbers", "remote", "aliases", "conflict"), ALIAS_CASES
)
def test_aliases(
    before: dict[str, int],
    after: dict[str, int],
    onto: dict[str, int],
    numbers: dict[int, int],
    remote: dict[str, RemoteMove],
    aliases: dict[str, int],
    conflict: tuple[str, ...] | None,
) -> None:
    merged, conflicts = merge(
        State(latest=2, aliases=before),
        State(latest=2, aliases=after),
        State(latest=3, aliases=onto),
        numbers,
        remote,
    )
    assert merged.aliases == aliases
    if conflict is None:
        assert conflicts == {}
    else:
        assert list(conflicts) == ["prod"]
        for phrase in conflict:
            assert phrase in conflicts["prod"]


# before, after, onto, numbers -> expected deleted
DELETED_CASES = [
    pytest.param(State(latest=2), State(latest=2, deleted=[2]), State(latest=3), {}, [2], id="deleted-locally"),
    pytest.param(State(latest=2), State(latest=2), State(latest=3, deleted=[3]), {}, [3], id="deleted-on-the-remote"),
    pytest.param(State(latest=2), State(latest=2, deleted=[1]), State(latest=3, deleted=[3]), {}, [1, 3], id="union-of-both-sides"),
    pytest.param(State(latest=2), State(latest=2, deleted=[2]), State(latest=3, deleted=[2]), {}, [2], id="deleted-on-both-sides-once"),
    pytest.param(State(latest=2), State(latest=3, deleted=[3]), State(latest=4), {3: 5}, [5], id="deleted-a-renumbered-version"),
    pytest.param(State(latest=3), State(latest=3, deleted=[3]), State(latest=5), {3: 5}, [5], id="deleted-a-version-renumbered-earlier"),
]  # fmt: skip


@pytest.mark.parametrize(("before", "after", "onto", "numbers", "deleted"), DELETED_CASES)
def test_deleted(
    before: State, after: State, onto: State, numbers: dict[int, int], deleted: list[int]
) -> None:
    merged, conflicts = merge(before, after, onto, numbers)
    assert merged.deleted == deleted
    assert conflicts == {}


TEAM_A = {"team": "a"}
TEAM_B = {"team": "b"}

# before, after, onto (edited tags, by version), numbers -> expected edited tags
TAG_CASES = [
    pytest.param({}, {"2": TEAM_A}, {}, {}, {"2": TEAM_A}, id="edited-locally"),
    pytest.param({}, {}, {"2": TEAM_B}, {}, {"2": TEAM_B}, id="edited-on-the-remote"),
    pytest.param({}, {"3": TEAM_A}, {}, {3: 5}, {"5": TEAM_A}, id="edited-a-renumbered-version"),
    pytest.param({}, {"3": TEAM_A}, {"3": TEAM_B}, {3: 5}, {"3": TEAM_B, "5": TEAM_A}, id="renumbered-edit-leaves-the-remote-version-alone"),
    pytest.param({"2": TEAM_A}, {}, {"2": TEAM_A}, {}, {}, id="edit-removed-locally"),
    pytest.param({"3": TEAM_A}, {}, {"5": TEAM_A}, {3: 5}, {}, id="edit-removed-on-a-renumbered-version"),
    pytest.param({"2": TEAM_A}, {"2": TEAM_B}, {"2": TEAM_A, "1": TEAM_B}, {}, {"1": TEAM_B, "2": TEAM_B}, id="local-edit-keeps-other-remote-edits"),
]  # fmt: skip


@pytest.mark.parametrize(("before", "after", "onto", "numbers", "tags"), TAG_CASES)
def test_version_tags(
    before: dict[str, dict[str, str]],
    after: dict[str, dict[str, str]],
    onto: dict[str, dict[str, str]],
    numbers: dict[int, int],
    tags: dict[str, dict[str, str]],
) -> None:
    merged, conflicts = merge(
        State(latest=3, version_tags=before),
        State(latest=3, version_tags=after),
        State(latest=5, version_tags=onto),
        numbers,
    )
    assert merged.version_tags == tags
    assert conflicts == {}


# before latest, after latest, onto latest, numbers -> expected latest
LATEST_CASES = [
    pytest.param(2, 2, 4, {}, 4, id="remote-registered-more"),
    pytest.param(2, 3, 2, {3: 3}, 3, id="local-version-kept-its-number"),
    pytest.param(2, 4, 4, {3: 5, 4: 6}, 6, id="renumbered-past-the-remote"),
    pytest.param(4, 5, 6, {3: 5, 4: 6, 5: 7}, 7, id="counts-versions-renumbered-by-earlier-commits"),
]  # fmt: skip


@pytest.mark.parametrize(("before", "after", "onto", "numbers", "latest"), LATEST_CASES)
def test_latest(before: int, after: int, onto: int, numbers: dict[int, int], latest: int) -> None:
    merged, _ = merge(State(latest=before), State(latest=after), State(latest=onto), numbers)
    assert merged.latest == latest


# before latest, after latest, onto latest -> {local number: final number}
RENUMBER_CASES = [
    pytest.param(2, 2, 5, {}, id="created-nothing"),
    pytest.param(2, 3, 2, {3: 3}, id="number-free-kept"),
    pytest.param(2, 3, 3, {3: 4}, id="number-taken-moves-up"),
    pytest.param(2, 4, 5, {3: 6, 4: 7}, id="several-in-order"),
]  # fmt: skip


@pytest.mark.parametrize(("before", "after", "onto", "numbers"), RENUMBER_CASES)
def test_renumber(before: int, after: int, onto: int, numbers: dict[int, int]) -> None:
    assert renumber(State(latest=before), State(latest=after), State(latest=onto)) == numbers


def test_inputs_are_not_changed() -> None:
    before = State(latest=2, aliases={"prod": 1}, version_tags={"2": TEAM_A})
    after = State(latest=3, aliases={"prod": 3}, deleted=[1], version_tags={"2": TEAM_B})
    onto = State(latest=4, aliases={"prod": 4, "dev": 4}, deleted=[4], version_tags={"4": TEAM_A})
    snapshot = [repr(s) for s in (before, after, onto)]
    merge(before, after, onto, {3: 5}, {"prod": RemoteMove(4, at=50)})
    assert [repr(s) for s in (before, after, onto)] == snapshot
