"""The registry is a plain git repository: the git CLI reads it and can write versions by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

import gitprompts
from gitprompts.core import layout
from tests.conftest import git


@pytest.fixture
def clone(registry: gitprompts.Registry, tmp_path: Path) -> Path:
    gitprompts.register_prompt("summarize", "v1 {{ text }}", commit_message="first")
    gitprompts.register_prompt("summarize", "v2 {{ text }}\nno newline at end")
    gitprompts.set_prompt_alias("summarize", "production", 1)
    work = tmp_path / "work"
    git("clone", "-q", str(registry.path), str(work))
    return work


def test_git_show_tag_gives_that_version(clone: Path) -> None:
    shown = git("show", f"prompts/summarize/1:{layout.prompt_path('summarize')}", cwd=clone)
    assert shown.endswith("---\nv1 {{ text }}")
    assert "commit_message: first" in shown
    assert git("cat-file", "-t", "prompts/summarize/2", cwd=clone).strip() == "tag"
    assert (
        git("tag", "-l", "--format=%(contents:subject)", "prompts/summarize/1", cwd=clone).strip()
        == "first"
    )


def test_git_log_is_the_prompts_history(clone: Path) -> None:
    log = git("log", "--format=%s", "--", layout.prompt_path("summarize"), cwd=clone).splitlines()
    assert log == ["Register summarize version 2", "first"]
    # Alias moves are commits too, on the prompt's state record.
    state_log = git("log", "--format=%s", "--", layout.state_path("summarize"), cwd=clone)
    assert "Set alias production of summarize to version 1" in state_log


def test_version_made_by_hand_loads_like_any_other(
    clone: Path, registry: gitprompts.Registry
) -> None:
    path = clone / layout.prompt_path("summarize")
    path.write_bytes(
        b"---\ntype: text\ncommit_message: by hand\n---\nv3 written in an editor {{ text }}\n"
    )
    git("commit", "-qam", "Edit summarize by hand", cwd=clone)
    git("tag", "-a", "prompts/summarize/3", "-m", "by hand", cwd=clone)
    git("push", "-q", "origin", "main", "prompts/summarize/3", cwd=clone)

    loaded = gitprompts.load_prompt("prompts:/summarize@latest")
    assert loaded.version == 3
    assert loaded.template == "v3 written in an editor {{ text }}\n"
    assert loaded.commit_message == "by hand"
    # The next version registered through the API skips the hand-made number.
    assert gitprompts.register_prompt("summarize", "v4").version == 4
    assert git("fsck", "--strict", cwd=registry.path, check=True) is not None


def test_plain_text_file_without_front_matter_is_a_text_prompt(clone: Path) -> None:
    (clone / layout.prompt_path("handmade")).parent.mkdir(parents=True, exist_ok=True)
    (clone / layout.prompt_path("handmade")).write_bytes(b"Just text, {{ x }}")
    git("add", ".", cwd=clone)
    git("commit", "-qm", "Add handmade", cwd=clone)
    git("tag", "prompts/handmade/1", cwd=clone)  # even a lightweight tag works
    git("push", "-q", "origin", "main", "prompts/handmade/1", cwd=clone)
    loaded = gitprompts.load_prompt("handmade/1")
    assert loaded.template == "Just text, {{ x }}"
    assert [p.name for p in gitprompts.search_prompts("name = 'handmade'")] == ["handmade"]


def test_untagged_draft_on_main_is_not_a_version(clone: Path) -> None:
    # Listing reads main's file only while it is exactly the newest version's file.
    assert gitprompts.search_prompts("tags.stage = 'draft'") == []
    path = clone / layout.prompt_path("summarize")
    path.write_bytes(b"---\ntype: text\ntags:\n  stage: draft\n---\nwork in progress\n")
    git("commit", "-qam", "Draft, not tagged yet", cwd=clone)
    git("push", "-q", "origin", "main", cwd=clone)
    assert gitprompts.search_prompts("tags.stage = 'draft'") == []
    [listed] = gitprompts.search_prompts("name = 'summarize'")
    assert listed.latest_version == 2
    assert gitprompts.load_prompt("summarize").template.startswith("v2 ")
