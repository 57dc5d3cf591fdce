"""The longest name and the largest version number that are accepted work everywhere."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import gitprompts
from gitprompts import errors
from gitprompts.core import promptfile
from gitprompts.core.uri import validate_name

from .conftest import git


def _accepted(name: str) -> bool:
    try:
        validate_name(name)
    except errors.InvalidPromptNameError:
        return False
    return True


def _longest_name() -> str:
    return next("n" * size for size in range(300, 0, -1) if _accepted("n" * size))


def test_the_longest_name_is_248_bytes_and_the_message_says_so() -> None:
    assert len(_longest_name()) == 248
    with pytest.raises(errors.InvalidPromptNameError) as info:
        validate_name("n" * 249)
    assert "longer than 248 bytes" in str(info.value)
    assert "use 1-248 bytes" in str(info.value)


def test_the_longest_name_survives_a_plain_git_clone_with_a_work_tree(
    registry: gitprompts.Registry, tmp_path: Path
) -> None:
    """``prompts/<name>.prompt`` is the longest file name in the layout: it must fit in 255 bytes."""
    name = _longest_name()
    gitprompts.register_prompt(name, "Hello {{ who }}", tags={"team": "x"})
    gitprompts.set_prompt_alias(name, "production", 1)
    work = tmp_path / "work"
    clone = subprocess.run(
        ["git", "clone", "-q", str(registry.path), str(work)], capture_output=True, text=True
    )
    assert clone.returncode == 0, clone.stderr
    assert git("-C", str(work), "status", "--porcelain") == ""
    data = (work / "prompts" / f"{name}.prompt").read_bytes()
    assert promptfile.decode(data).template == "Hello {{ who }}"
    assert (work / "state" / f"{name}.json").is_file()
    assert git("-C", str(work), "tag", "--list").split() == [f"prompts/{name}/1"]
