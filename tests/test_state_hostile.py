"""State files are untrusted input: hand-edited ones never hang, exhaust or mislead a reader.

A ``state/<name>.json`` can arrive by plain ``git push`` into a registry without
hooks. Every reader must answer quickly, with the right answer or a specific
gitprompts error, whatever the file says. Readers run in a child process under
an address-space limit and a timeout, so a regression fails instead of eating
the machine or hanging CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

from gitprompts import errors, sync
from gitprompts.core import layout, state
from gitprompts.errors import (
    CorruptPromptFileError,
    InvalidInputError,
    UnreadablePromptWarning,
)
from gitprompts.registry import Registry

from .conftest import git

ROOT = Path(__file__).resolve().parent.parent
# Far above what a reader needs (a fresh process peaks near 60 MB of address
# space), far below what a range(1, 10**9) list or a walk over it would take.
MEMORY_LIMIT = 768 << 20
# Every operation below answers in milliseconds; before the fixes some took
# seconds to hours. Generous for a loaded 2-core CI machine.
SECONDS_PER_OPERATION = 3.0

RUNNER = textwrap.dedent(
    """
    import json, resource, sys, time, warnings
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
    import gitprompts
    from gitprompts import sync
    from gitprompts.errors import GitPromptsError
    from gitprompts.registry import Registry
    gitprompts.get_registry()  # imports done before the clock starts
    results = []
    for op in json.loads(sys.argv[2]):
        start = time.monotonic()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                outcome = {"value": eval(op)}
            except GitPromptsError as exc:
                outcome = {"error": type(exc).__name__, "message": str(exc)}
            except BaseException as exc:  # MemoryError and friends: what this test looks for
                outcome = {"crash": f"{type(exc).__name__}: {exc}"[:300]}
        outcome["seconds"] = time.monotonic() - start
        outcome["warnings"] = [str(w.message) for w in caught]
        results.append(outcome)
    print(json.dumps(results))
    """
)


def _run(registry: Path, ops: list[str], timeout: float = 60) -> list[dict[str, Any]]:
    """Run ``ops`` (Python expressions) in a child process bounded in memory and time."""
    env = {**os.environ, "GITPROMPTS_REGISTRY": str(registry), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(MEMORY_LIMIT), json.dumps(ops)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results: list[dict[str, Any]] = json.loads(done.stdout)
    for op, outcome in zip(ops, results, strict=True):
        assert "crash" not in outcome, (op, outcome)
        assert outcome["seconds"] < SECONDS_PER_OPERATION, (op, outcome)
    return results


@pytest.fixture
def server(tmp_path: Path) -> Registry:
    """A registry without hooks: x has versions 1 and 2 (2 is ``production``), y has 1."""
    reg = Registry(tmp_path / "server.git")
    reg.register("x", "x one")
    reg.register("x", "x two")
    reg.set_alias("x", "production", 2)
    reg.register("y", "y one")
    return reg


def _by_hand(server: Path, work: Path, files: dict[str, str], tag: str | None = None) -> None:
    """Commit ``files`` with the git CLI in a clone of ``server`` and push (no hook to stop it)."""
    if not work.exists():
        git("clone", "-q", str(server), str(work))
    for rel, text in files.items():
        # Written as the flat path for short; committed where the layout puts it.
        name = layout.name_from_path(rel)
        if name is not None:
            rel = layout.paths(name, flat=False)[0 if rel.startswith("prompts/") else 1]
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    git("-C", str(work), "add", "-A")
    git("-C", str(work), "commit", "-qm", "edited by hand")
    refs = ["HEAD:refs/heads/main"]
    if tag is not None:
        git("-C", str(work), "tag", "-a", "-m", "by hand", tag)
        refs.append(f"refs/tags/{tag}")
    git("-C", str(work), "push", "-q", "origin", *refs)


def _state(**fields: object) -> str:
    return json.dumps({"schema_version": 1, **fields})


# -- the decoder ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "named"),
    [
        ({"latest": -5}, "$.latest"),
        ({"latest": 10**9}, "$.latest"),
        ({"aliases": {"prod": 0}}, "$.aliases"),
        ({"aliases": {"prod": -1}}, "$.aliases"),
        ({"aliases": {"has space": 1}}, "has space"),
        ({"aliases": {"latest": 1}}, "latest"),
        ({"deleted": [0]}, "$.deleted"),
        ({"deleted": [10**9]}, "$.deleted"),
        ({"version_tags": {"abc": {}}}, "abc"),
        ({"version_tags": {"01": {}}}, "01"),
        ({"version_tags": {"-3": {}}}, "-3"),
        ({"version_tags": {str(10**9): {}}}, str(10**9)),
        ({"aliases": {f"a{i}": 1 for i in range(state.MAX_ALIASES + 1)}}, "$.aliases"),
        ({"latest_blob": "../../etc/passwd"}, "$.latest_blob"),
    ],
)
def test_decode_refuses_what_no_writer_writes(record: dict[str, object], named: str) -> None:
    data = json.dumps(record).encode()
    with pytest.raises(CorruptPromptFileError, match=r"state/x\.json") as caught:
        state.decode(data, "state/x.json")
    assert named in str(caught.value)


def test_decode_accepts_the_limits_themselves() -> None:
    st = state.State(
        latest=state.MAX_VERSION,
        aliases={f"a{i}": state.MAX_VERSION for i in range(state.MAX_ALIASES)},
        deleted=[1, state.MAX_VERSION],
        version_tags={str(state.MAX_VERSION): {"k": "v"}},
        latest_blob="0" * 40,
    )
    assert state.decode(state.encode(st)) == st


def test_encode_refuses_a_state_no_reader_would_accept() -> None:
    with pytest.raises(InvalidInputError, match=r"state/x\.json"):
        state.encode(state.State(latest=state.MAX_VERSION + 1), "state/x.json")


# -- readers of a registry whose state files were written by plain git ---------

HOSTILE = {
    "latest-huge": _state(latest=10**9),
    "latest-negative": _state(latest=-5),
    "latest-without-tag": _state(latest=state.MAX_VERSION, aliases={"production": 2}),
    "alias-to-missing": _state(latest=2, aliases={"production": 2, "broken": 99}),
    "deleted-missing": _state(latest=2, aliases={"production": 2}, deleted=[state.MAX_VERSION]),
    "tags-key-not-a-number": _state(latest=2, version_tags={"abc": {"k": "v"}}),
}
# What x@latest may answer for each: its true latest version, or a specific error.
LATEST = {
    "latest-huge": "CorruptStateFileError",
    "latest-negative": "CorruptStateFileError",
    "latest-without-tag": 2,
    "alias-to-missing": 2,
    "deleted-missing": 2,
    "tags-key-not-a-number": "CorruptStateFileError",
}


def _answer(outcome: dict[str, Any]) -> object:
    return outcome.get("value", outcome.get("error"))


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_readers_answer_quickly_whatever_the_state_says(
    server: Registry, tmp_path: Path, case: str
) -> None:
    client = sync.clone(str(server.path), tmp_path / "client.git", progress=False)
    diverged = sync.clone(str(server.path), tmp_path / "diverged.git", progress=False)
    diverged.register("x", "x three, written offline")
    _by_hand(server.path, tmp_path / "work", {"state/x.json": HOSTILE[case]})
    ops = [
        "gitprompts.load_prompt('x@latest').version",
        "gitprompts.load_prompt('x/1').template",
        "gitprompts.load_prompt('x@production').version",
        "[v.version for v in gitprompts.get_registry().versions('x')]",
        "sorted(gitprompts.get_registry().linked_models('x'))",
        "[p.name for p in gitprompts.search_prompts()]",
        "gitprompts.load_prompt('y@latest').version",
        f"sync.pull(registry=Registry({str(client.path)!r})).fetched",
        f"gitprompts.Registry({str(client.path)!r}).latest_version('y')",
        f"sync.pull(registry=Registry({str(diverged.path)!r})).renumbered",
    ]
    results = _run(server.path, ops)
    assert _answer(results[0]) == LATEST[case]
    assert _answer(results[1]) in ("x one", "CorruptStateFileError")
    assert _answer(results[2]) in (2, "CorruptStateFileError")
    assert _answer(results[3]) in ([1, 2], "CorruptStateFileError")
    listed = results[5]["value"]
    assert "y" in listed
    if LATEST[case] == "CorruptStateFileError":
        assert "x" not in listed
        assert any(layout.state_path("x") in w for w in results[5]["warnings"])
    else:
        assert "x" in listed
    assert _answer(results[6]) == 1
    assert _answer(results[8]) == 1
    # A pull that cannot merge the file says which file (and writes nothing).
    assert "error" not in results[9] or layout.state_path("x") in results[9]["message"], results[9]


def test_register_after_a_negative_latest_creates_no_negative_version(
    server: Registry, tmp_path: Path
) -> None:
    _by_hand(server.path, tmp_path / "work", {"state/x.json": _state(latest=-5)})
    before = git("--git-dir", str(server.path), "show-ref")
    [outcome] = _run(server.path, ["gitprompts.register_prompt('x', 'four').version"])
    assert outcome.get("error") == "CorruptStateFileError", outcome
    assert layout.state_path("x") in outcome["message"]
    assert git("--git-dir", str(server.path), "show-ref") == before


def test_register_refuses_to_number_past_max_version(server: Registry, tmp_path: Path) -> None:
    _by_hand(server.path, tmp_path / "work", {"state/x.json": _state(latest=state.MAX_VERSION)})
    before = git("--git-dir", str(server.path), "show-ref")
    with pytest.raises(InvalidInputError, match=f"{state.MAX_VERSION}"):
        server.register("x", "one too many")
    assert git("--git-dir", str(server.path), "show-ref") == before
    assert server.latest_version("x") == 2


def test_set_alias_refuses_past_max_aliases(server: Registry, tmp_path: Path) -> None:
    many = {f"a{i}": 1 for i in range(state.MAX_ALIASES)}
    _by_hand(server.path, tmp_path / "work", {"state/x.json": _state(latest=2, aliases=many)})
    before = git("--git-dir", str(server.path), "show-ref")
    server.set_alias("x", "a0", 2)  # moving an existing alias is fine
    moved = git("--git-dir", str(server.path), "show-ref")
    assert moved != before
    with pytest.raises(InvalidInputError, match=f"{state.MAX_ALIASES} aliases"):
        server.set_alias("x", "one-more", 2)
    assert git("--git-dir", str(server.path), "show-ref") == moved


@pytest.mark.parametrize("latest", [10**9, state.MAX_VERSION])
def test_push_of_a_hand_edited_state_is_bounded(
    server: Registry, tmp_path: Path, latest: int
) -> None:
    """The client's own main says latest = a huge number: push must not walk every number."""
    client = sync.clone(str(server.path), tmp_path / "client.git", progress=False)
    client.register("x", "x three")
    _by_hand(client.path, tmp_path / "work", {"state/x.json": _state(latest=latest)})
    [outcome] = _run(client.path, ["sync.push().refs"])
    if latest > state.MAX_VERSION:
        assert outcome.get("error") == "CorruptStateFileError", outcome
    else:
        assert "refs/heads/main" in outcome["value"], outcome


# -- one unreadable file does not take the listing down ------------------------


def test_listing_skips_an_unreadable_prompt_file_and_says_which(
    server: Registry, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    _by_hand(server.path, work, {"prompts/bad.prompt": "---\ntype: [oops\n---\nx"}, "prompts/bad/1")
    _by_hand(server.path, work, {"state/y.json": '{"latest": "many"}'})
    fresh = Registry(server.path, create=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        listed = [p.name for p in fresh.prompts()]
    assert listed == ["x"]
    messages = sorted(str(w.message) for w in caught)
    assert all(issubclass(w.category, UnreadablePromptWarning) for w in caught)
    assert len(messages) == 2
    assert layout.prompt_path("bad") in messages[0] and "'bad'" in messages[0]
    assert layout.state_path("y") in messages[1] and "'y'" in messages[1]
    warning = next(w.message for w in caught if "bad" in str(w.message))
    assert isinstance(warning, UnreadablePromptWarning)
    assert warning.name == "bad" and warning.path.startswith(layout.prompt_path("bad"))
    # Warned once per main: the listing is cached until main moves.
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        assert [p.name for p in fresh.prompts()] == ["x"]
    assert again == []


def test_a_version_tag_on_a_blob_is_a_specific_error_and_the_listing_survives(
    server: Registry, tmp_path: Path
) -> None:
    """A tag made by hand on a blob (pushed where no hook checks) crashed every reader."""
    (tmp_path / "x.txt").write_text("x\n")
    blob = git("--git-dir", str(server.path), "hash-object", "-w", str(tmp_path / "x.txt")).strip()
    _by_hand(server.path, tmp_path / "work", {"prompts/z.prompt": "z {{ a }}"})
    git("--git-dir", str(server.path), "tag", "prompts/z/1", blob)
    fresh = Registry(server.path, create=False)
    with pytest.raises(errors.CorruptTagError, match="prompts/z/1"):
        fresh.get("z", 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        listed = [p.name for p in fresh.prompts()]
    assert "x" in listed and "z" not in listed
    unreadable = [w.message for w in caught if isinstance(w.message, UnreadablePromptWarning)]
    assert [w.name for w in unreadable] == ["z"]
