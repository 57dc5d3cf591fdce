"""The listing index: derived from main, never trusted over it, correct across writers and kills."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitprompts.core import layout
from gitprompts.registry import Registry, index

from .conftest import git


def _rows(reg: Registry) -> list[tuple[object, ...]]:
    return [
        (p.name, p.latest_version, p.aliases, p.tags, p.creation_timestamp) for p in reg.prompts()
    ]


def _truth(path: Path) -> list[tuple[object, ...]]:
    """The listing computed from git alone: no index read, none written."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index, "load", lambda path: None)
        patch.setattr(Registry, "_save_index", lambda *args: None)
        return _rows(Registry(path))


def _main(path: Path) -> str:
    """main and the version tags: a recovering writer can add a tag without moving main."""
    return git("--git-dir", str(path), "for-each-ref", "refs/heads/main", "refs/tags")


def _agrees(path: Path) -> None:
    """The listing through the index equals the one from git, compared at one ``main``."""
    for _ in range(20):  # writers may move refs between the two computations
        before = _main(path)
        listed, truth = _rows(Registry(path)), _truth(path)
        if _main(path) == before:
            assert listed == truth
            return
    raise AssertionError("the refs never stood still long enough to compare")


def _seed(path: Path) -> Registry:
    reg = Registry(path)
    reg.register("greet", "Hello {{ name }}", tags={"team": "nlp"})
    reg.register("greet", "Hi {{ name }}")
    reg.register("bye", "Bye")
    reg.set_alias("greet", "production", 1)
    reg.register("gone", "soon deleted")
    reg.delete_prompt("gone")
    return reg


def test_a_fresh_process_lists_from_the_index_without_libgit2(tmp_path: Path) -> None:
    reg = _seed(tmp_path / "r.git")
    expected = _rows(reg)  # computes the rows and writes the index
    assert [r[0] for r in expected] == ["bye", "greet"]
    script = (
        "import json, sys, gitprompts\n"
        f"gitprompts.set_registry({str(reg.path)!r})\n"
        "rows = [(p.name, p.latest_version, p.aliases, p.tags, p.creation_timestamp)\n"
        "        for p in gitprompts.search_prompts()]\n"
        "print(json.dumps([rows, 'pygit2' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    rows, loaded = json.loads(out.stdout)
    assert [tuple(r) for r in rows] == expected
    assert loaded is False


def test_writes_append_to_the_index_and_it_stays_current(tmp_path: Path) -> None:
    reg = _seed(tmp_path / "r.git")
    _rows(reg)
    reg.register("bye", "Bye again")
    reg.set_alias("bye", "staging", 2)
    reg.delete_version("greet", 2)
    main = git("--git-dir", str(reg.path), "rev-parse", "main").strip()
    assert index.tip(reg.path / layout.INDEX_FILE) == main  # appended, not recomputed
    fresh = Registry(reg.path)
    assert _rows(fresh) == _truth(reg.path)
    assert fresh._handle is None  # answered without opening libgit2
    assert [(r[0], r[1], r[2]) for r in _rows(fresh)] == [
        ("bye", 2, {"staging": 2}),
        ("greet", 1, {"production": 1}),
    ]


def test_a_version_made_with_plain_git_is_picked_up(tmp_path: Path) -> None:
    reg = _seed(tmp_path / "r.git")
    _rows(reg)
    work = tmp_path / "work"
    git("clone", "-q", str(reg.path), str(work))
    (work / layout.prompt_path("bye")).write_text("Bye by hand")
    git("-C", str(work), "commit", "-qam", "by hand")
    git("-C", str(work), "tag", "-a", "prompts/bye/2", "-m", "by hand")
    git("-C", str(work), "push", "-q", "origin", "main", "prompts/bye/2")
    assert ("bye", 2) in [(r[0], r[1]) for r in _rows(Registry(reg.path))]
    assert _rows(Registry(reg.path)) == _truth(reg.path)


@pytest.mark.parametrize(
    "damage",
    [
        b"garbage",
        b"",
        b'[]\n{"schema_version": 2, "main": "x"}\n',
        "torn",
        "wrong main",
        "huge",
    ],
)
def test_a_damaged_or_foreign_index_is_recomputed(tmp_path: Path, damage: object) -> None:
    reg = _seed(tmp_path / "r.git")
    expected = _rows(reg)
    path = reg.path / layout.INDEX_FILE
    if damage == "torn":  # a writer killed halfway through its line
        main = git("--git-dir", str(reg.path), "rev-parse", "main").strip()
        with open(path, "ab") as handle:
            handle.write(f'{{"before": "{main}", "after": "{"b" * 40}", "na'.encode())
    elif damage == "wrong main":  # rows claimed for a commit that is not there
        index.write(path, "c" * 40, {"fake": index.Row("fake", 9, {}, {}, 0)})
    elif damage == "huge":
        with open(path, "wb") as handle:
            handle.truncate(index.MAX_BYTES + 10)
    else:
        assert isinstance(damage, bytes)
        path.write_bytes(damage)
    assert _rows(Registry(reg.path)) == expected
    loaded = index.load(path)
    assert loaded is not None and sorted(loaded.rows) == ["bye", "greet"]


_WRITER = """
import random, sys, gitprompts
gitprompts.set_registry(sys.argv[1])
rng = random.Random(int(sys.argv[2]))
for k in range(int(sys.argv[3])):
    name = "p%d" % rng.randrange(6)
    action = rng.random()
    try:
        if action < 0.6:
            gitprompts.register_prompt(name, "w%s k%d" % (sys.argv[2], k))
        elif action < 0.8:
            gitprompts.set_prompt_alias(name, "prod", gitprompts.load_prompt(name + "@latest").version)
        elif action < 0.9:
            gitprompts.search_prompts()
        else:
            gitprompts.set_prompt_tag(name, "k", str(k))
    except gitprompts.GitPromptsError:
        pass  # a prompt not registered yet
"""


@pytest.mark.slow
def test_the_index_stays_correct_across_concurrent_writers_and_sigkill(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "r.git")
    reg.register("p0", "seed")
    _rows(reg)
    rng = random.Random(14)
    env = {**os.environ, "GITPROMPTS_LOCK_TIMEOUT": "60"}
    survivors = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(reg.path), str(seed), "25"], env=env)
        for seed in (1, 2, 3)
    ]
    killed = 0
    try:
        for seed in range(10, 16):  # writers killed at random moments, index lines and all
            victim = subprocess.Popen(
                [sys.executable, "-c", _WRITER, str(reg.path), str(seed), "1000"], env=env
            )
            time.sleep(rng.uniform(0.3, 1.2))
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            killed += 1
            _agrees(reg.path)
        for proc in survivors:
            assert proc.wait(timeout=300) == 0
    finally:
        for proc in survivors:
            proc.kill()
            proc.wait()
    assert killed == 6
    assert _rows(Registry(reg.path)) == _truth(reg.path)
    Registry(reg.path).register("p0", "after the kills")  # the next writer recovers
    assert _rows(Registry(reg.path)) == _truth(reg.path)


def test_a_tag_that_comes_after_its_main_is_listed_once_it_does(tmp_path: Path) -> None:
    """A writer killed between moving main and creating the tag: recovery adds the tag later
    without moving main, so a row computed in between must not be kept as final."""
    reg = _seed(tmp_path / "r.git")
    _rows(reg)
    tag = git("--git-dir", str(reg.path), "rev-parse", "refs/tags/prompts/bye/1").strip()
    reg.register("bye", "Bye 2")
    # Take the new tag away, as if the writer had died before creating it (and so
    # before appending to the index).
    (reg.path / layout.INDEX_FILE).unlink()
    new_tag = git("--git-dir", str(reg.path), "rev-parse", "refs/tags/prompts/bye/2").strip()
    git("--git-dir", str(reg.path), "update-ref", "-d", "refs/tags/prompts/bye/2")
    assert ("bye", 1) in [(r[0], r[1]) for r in _rows(Registry(reg.path))]
    loaded = index.load(reg.path / layout.INDEX_FILE)
    assert loaded is not None and loaded.volatile == ["bye"]
    assert tag != new_tag
    git("--git-dir", str(reg.path), "update-ref", "refs/tags/prompts/bye/2", new_tag)  # recovery
    assert ("bye", 2) in [(r[0], r[1]) for r in _rows(Registry(reg.path))]
    assert _rows(Registry(reg.path)) == _truth(reg.path)
