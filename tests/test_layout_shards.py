"""The sharded layout contract: where a name's files are, both layouts read, migration.

A registry from before sharding (``prompts/<name>.prompt``) is made here the
way plain git users made versions by hand: files committed in a clone, an
annotated tag, a push. The API then keeps writing it flat until
``gitprompts migrate``.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from gitprompts import sync
from gitprompts.core import layout, state
from gitprompts.errors import PushRejectedError
from gitprompts.registry import Registry
from gitprompts.registry.migration import migrate
from gitprompts.remote.policy import check_push, validate_file

from .conftest import git


def _flat_registry(path: Path, work: Path, name: str = "seed") -> Registry:
    """A bare registry whose main is in the flat layout, with ``name`` version 1 made by hand."""
    git("init", "-q", "--bare", "-b", "main", str(path))
    git("clone", "-q", str(path), str(work))
    (work / "prompts").mkdir()
    (work / "state").mkdir()
    (work / "prompts" / f"{name}.prompt").write_text("Hello {{ who }}")
    (work / "state" / f"{name}.json").write_bytes(state.encode(state.State(latest=1)))
    git("-C", str(work), "add", "-A")
    git("-C", str(work), "commit", "-qm", f"Register {name} version 1")
    git("-C", str(work), "tag", "-a", f"prompts/{name}/1", "-m", "by hand")
    git("-C", str(work), "push", "-q", "origin", "main", "--tags")
    return Registry(path)


def _tree(path: Path, rev: str = "main") -> list[str]:
    return git("--git-dir", str(path), "ls-tree", "-r", "--name-only", rev).split()


def test_the_path_of_a_name_is_one_line_of_shell() -> None:
    for name in ("greet", "summarize-v2", "a", "x" * 248, "Ünïcode.ok"):
        # printf %s NAME | sha256sum | cut -c1   (and cut -c2)
        digest = subprocess.run(
            ["sha256sum"], input=name.encode(), capture_output=True, check=True
        ).stdout.decode()
        h1, h2 = digest[0], digest[1]
        assert layout.shard(name) == f"{h1}/{h2}"
        assert hashlib.sha256(name.encode()).hexdigest()[:2] == h1 + h2
        assert layout.prompt_path(name) == f"prompts/{h1}/{h2}/{name}.prompt"
        assert layout.state_path(name) == f"state/{h1}/{h2}/{name}.json"
        assert layout.name_from_path(layout.prompt_path(name)) == name
        assert layout.name_from_path(layout.state_path(name)) == name
        assert layout.name_from_path(layout.flat_state_path(name)) == name
        assert layout.name_from_path(layout.flat_prompt_path(name)) == name
        # The one-level layout (never released) and other depths are no prompt's file.
        assert layout.name_from_path(f"prompts/{h1}{h2}/{name}.prompt") is None
        assert layout.name_from_path(f"prompts/{h1}/{name}.prompt") is None
        assert layout.name_from_path(f"prompts/{h1}/{h2}/x/{name}.prompt") is None
    assert layout.name_from_path("prompts/z/z/greet.prompt") is None  # not greet's shard
    assert layout.name_from_path("prompts/3/2/greet.prompt") is None  # digits swapped


def test_a_new_registry_is_sharded_and_no_tree_has_one_entry_per_prompt(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "r.git")
    names = [f"p{i:04d}" for i in range(150)]
    for name in names:
        reg.register(name, f"Hello {name}")
    files = _tree(reg.path)
    assert sorted(files) == sorted(
        [layout.prompt_path(n) for n in names] + [layout.state_path(n) for n in names]
    )
    entries = git("--git-dir", str(reg.path), "ls-tree", "-r", "-t", "main").splitlines()
    for directory in ("prompts", "state"):
        per_tree: dict[str, int] = {}
        for line in entries:
            kind, path = line.split()[1], line.split("\t")[1]
            parent = path.rpartition("/")[0]
            if parent != directory and not parent.startswith(directory + "/"):
                continue
            if parent.count("/") < 2:
                assert kind == "tree", path  # nothing but shard directories above a file
            else:
                assert kind == "blob" and parent.count("/") == 2, path
            per_tree[parent] = per_tree.get(parent, 0) + 1
        assert per_tree[directory] <= 16
        assert max(n for tree, n in per_tree.items() if tree.count("/") == 1) <= 16
        biggest = max(n for tree, n in per_tree.items() if tree.count("/") == 2)
        assert biggest < 10  # ~0.6 a shard at 150 prompts
    # One version changes two files; the trees it rewrites are root, 2 x (dir, h1, h2).
    changed = git(
        "--git-dir", str(reg.path), "diff-tree", "-r", "-t", "--name-only", "main~1", "main"
    )
    assert len(changed.split()) == 8  # prompts, prompts/h1, prompts/h1/h2, its file; state, ...
    assert reg.get("p0042", 1).template == "Hello p0042"
    assert [p.name for p in reg.prompts()] == names


def test_a_flat_registry_is_read_and_written_flat_until_migrated(tmp_path: Path) -> None:
    reg = _flat_registry(tmp_path / "flat.git", tmp_path / "work")
    assert reg.get("seed", 1).template == "Hello {{ who }}"
    assert reg.register("seed", "Hello again {{ who }}").version == 2
    reg.register("other", "Other")
    reg.set_alias("seed", "production", 1)
    assert sorted(_tree(reg.path)) == [
        "prompts/other.prompt",
        "prompts/seed.prompt",
        "state/other.json",
        "state/seed.json",
    ]
    assert [(p.name, p.latest_version, p.aliases) for p in Registry(reg.path).prompts()] == [
        ("other", 1, {}),
        ("seed", 2, {"production": 1}),
    ]


def test_migration_keeps_every_version_alias_tag_and_note(tmp_path: Path) -> None:
    reg = _flat_registry(tmp_path / "flat.git", tmp_path / "work")
    reg.register("seed", "v2 {{ who }}", tags={"team": "nlp"})
    reg.register("seed", "v3")
    reg.register("other", "Other", model_config={"temperature": 0.5})
    reg.set_alias("seed", "production", 2)
    reg.delete_version("seed", 3)
    reg.set_prompt_tag("other", "owner", "ada")
    reg.set_version_tag("seed", 1, "reviewed", "yes")
    reg.link_model([reg.get("seed", 2).commit_id or ""], "m-1")
    refs_before = git("--git-dir", str(reg.path), "for-each-ref", "refs/tags", "refs/notes")
    main_before = git("--git-dir", str(reg.path), "rev-parse", "main").strip()

    def seen(r: Registry) -> object:
        versions = {
            name: [
                (v.version, v.template, v.tags, v.aliases, v.model_config, v.commit_id)
                for v in r.versions(name)
            ]
            for name in r.names()
        }
        listing = [(p.name, p.latest_version, p.aliases, p.tags) for p in r.prompts()]
        return versions, listing, r.linked_models("seed"), r.prompt_tags("other")

    before = seen(Registry(reg.path))
    done = migrate(reg)
    assert done.moved == 4 and done.commit is not None
    assert seen(Registry(reg.path)) == before
    assert git("--git-dir", str(reg.path), "for-each-ref", "refs/tags", "refs/notes") == refs_before
    assert git("--git-dir", str(reg.path), "rev-parse", "main~1").strip() == main_before
    assert sorted(_tree(reg.path)) == sorted(
        [layout.prompt_path(n) for n in ("other", "seed")]
        + [layout.state_path(n) for n in ("other", "seed")]
    )
    # Written sharded from now on, numbering continues; migrating again does nothing.
    assert reg.register("seed", "v4").version == 4
    assert layout.prompt_path("seed") in _tree(reg.path)
    assert migrate(reg).commit is None
    # git follows the file across the move.
    log = git(
        "--git-dir",
        str(reg.path),
        "log",
        "--follow",
        "--format=%s",
        "--",
        layout.prompt_path("seed"),
    )
    assert "Register seed version 1" in log


def test_a_hand_made_version_in_the_new_layout_loads(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "r.git")
    reg.register("greet", "Hello")
    work = tmp_path / "work"
    git("clone", "-q", str(reg.path), str(work))
    path = work / layout.prompt_path("greet")
    path.write_text("---\ncommit_message: by hand\n---\nHi {{ name }}")
    git("-C", str(work), "commit", "-qam", "by hand")
    git("-C", str(work), "tag", "-a", "prompts/greet/2", "-m", "by hand")
    git("-C", str(work), "push", "-q", "origin", "main", "prompts/greet/2")
    fresh = Registry(reg.path)
    assert fresh.get("greet", 2).template == "Hi {{ name }}"
    assert fresh.latest_version("greet") == 2
    assert [(p.name, p.latest_version) for p in fresh.prompts()] == [("greet", 2)]
    assert validate_file(layout.prompt_path("greet"), path.read_bytes()) == []
    for wrong in (
        "prompts/0/0/greet.prompt",
        "prompts/23/greet.prompt",
        "x/prompts/2/greet.prompt",
    ):
        assert "not where a prompt's file goes" in validate_file(wrong, b"x")[0], wrong
    assert validate_file("x/prompts/2/3/greet.prompt", path.read_bytes()) == []


def test_the_hook_refuses_a_file_in_the_wrong_shard_or_both_layouts(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "r.git")
    reg.register("greet", "Hello")
    work = tmp_path / "work"
    git("clone", "-q", str(reg.path), str(work))
    old = git("-C", str(work), "rev-parse", "HEAD").strip()
    (work / "prompts" / "0" / "0").mkdir(parents=True, exist_ok=True)
    (work / "prompts" / "0" / "0" / "greet.prompt").write_text("misplaced")
    one_level = f"prompts/{layout.shard('greet').replace('/', '')}/greet.prompt"  # never released
    (work / one_level).parent.mkdir()
    (work / one_level).write_text("one level")
    git("-C", str(work), "add", "-A")
    git("-C", str(work), "commit", "-qm", "misplaced")
    new = git("-C", str(work), "rev-parse", "HEAD").strip()
    git("-C", str(work), "push", "-q", str(reg.path), "HEAD:refs/heads/wrong")
    problems = check_push(reg.path, [(old, new, "refs/heads/main")])
    assert len(problems) == 2
    for problem, path in zip(problems, ["prompts/0/0/greet.prompt", one_level], strict=True):
        assert problem.startswith(f"refs/heads/main: refused: {path} is not where")
        assert f"this one: prompts/{layout.shard('greet')}/greet.prompt" in problem
    git("-C", str(work), "rm", "-q", "prompts/0/0/greet.prompt", one_level)
    (work / "prompts" / "flat.prompt").write_text("flat")
    git("-C", str(work), "add", "-A")
    git("-C", str(work), "commit", "-qm", "flat file on a sharded main")
    mixed = git("-C", str(work), "rev-parse", "HEAD").strip()
    git("-C", str(work), "push", "-q", str(reg.path), "HEAD:refs/heads/wrong2")
    problems = check_push(reg.path, [(old, mixed, "refs/heads/main")])
    assert len(problems) == 1 and "prompts/flat.prompt is in the flat layout" in problems[0]


def _served_flat(tmp_path: Path) -> Registry:
    server = _flat_registry(tmp_path / "server.git", tmp_path / "seed-work")
    from gitprompts import hooks

    hooks.install(server.path)
    return server


def test_a_team_migrates_through_push_and_pull(tmp_path: Path) -> None:
    server = _served_flat(tmp_path)
    a = sync.clone(str(server.path), tmp_path / "a.git")
    b = sync.clone(str(server.path), tmp_path / "b.git")
    a.register("seed", "A's 2")
    b.register("seed", "B's 2 (offline, flat)")
    b.set_alias("seed", "production", 2)
    assert sync.push(registry=a).refs  # the server gets A's flat version 2
    assert migrate(a).commit is not None
    assert sync.push(registry=a).refs  # the migration, checked by the server's hook
    assert layout.prompt_path("seed") in _tree(server.path)
    with pytest.raises(PushRejectedError):
        sync.push(registry=b)
    result = sync.pull(registry=b)  # B's flat commits are replayed sharded, renumbered
    assert result.renumbered == {"prompts:/seed/2": "prompts:/seed/3"}
    assert sorted(_tree(b.path)) == [layout.prompt_path("seed"), layout.state_path("seed")]
    assert sync.push(registry=b).refs
    fresh = Registry(server.path)
    assert [v.template for v in fresh.versions("seed")] == [
        "Hello {{ who }}",
        "A's 2",
        "B's 2 (offline, flat)",
    ]
    assert fresh.aliases("seed") == {"production": 3}


def test_pulling_a_flat_version_into_a_migrated_clone_migrates_on_the_way(tmp_path: Path) -> None:
    server = _served_flat(tmp_path)
    a = sync.clone(str(server.path), tmp_path / "a.git")
    b = sync.clone(str(server.path), tmp_path / "b.git")
    assert migrate(b).commit is not None
    b.register("seed", "B's 2")
    a.register("other", "A's other")  # a flat version reaches the server first
    assert sync.push(registry=a).refs
    result = sync.pull(registry=b)
    assert not result.fast_forward
    assert sorted(_tree(b.path)) == sorted(
        [layout.prompt_path(n) for n in ("other", "seed")]
        + [layout.state_path(n) for n in ("other", "seed")]
    )
    assert sync.push(registry=b).refs
    fresh = Registry(server.path)
    assert fresh.get("other", 1).template == "A's other"
    assert fresh.get("seed", 2).template == "B's 2"


def test_migrate_from_the_command_line(tmp_path: Path) -> None:
    reg = _flat_registry(tmp_path / "flat.git", tmp_path / "work")
    run = [sys.executable, "-m", "gitprompts", "--registry", str(reg.path), "migrate"]
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert out.startswith("Moved 2 files into the sharded layout")
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert out == "Already in the sharded layout: nothing to move.\n"
    assert Registry(reg.path).get("seed", 1).template == "Hello {{ who }}"
