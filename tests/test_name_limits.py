"""The longest name and the largest version number that are accepted work everywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import gitprompts
from gitprompts import errors
from gitprompts.core import layout, promptfile
from gitprompts.core.uri import parse_prompt_uri, parse_version, resolve_ref, validate_name

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
    data = (work / layout.prompt_path(name)).read_bytes()
    assert promptfile.decode(data).template == "Hello {{ who }}"
    assert (work / layout.state_path(name)).is_file()
    assert git("-C", str(work), "tag", "--list").split() == [f"prompts/{name}/1"]


# -- version numbers ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["9" * 5000, "9" * 11, "1000001", str(2**64)])
def test_huge_versions_are_refused_by_number(text: str) -> None:
    with pytest.raises(errors.InvalidVersionError, match="1000000 is the highest"):
        parse_version(text)
    number = 10**5000 - 1 if len(text) > 100 else int(text)  # int() refuses 4,301+ digits
    with pytest.raises(errors.InvalidVersionError, match="1000000 is the highest"):
        parse_version(number)
    with pytest.raises(errors.InvalidVersionError, match="1000000 is the highest"):
        resolve_ref("x", text)


def test_a_5000_digit_version_in_a_uri_is_an_invalid_version(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("x", "hi")
    for uri in ["x/" + "9" * 5000, "prompts:/x/" + "9" * 5000]:
        with pytest.raises(errors.InvalidVersionError, match="1000000 is the highest"):
            gitprompts.load_prompt(uri)
        with pytest.raises(errors.InvalidVersionError):
            parse_prompt_uri(uri)


def test_versions_up_to_the_limit_parse() -> None:
    assert parse_version("1000000") == 10**6
    assert parse_version(10**6) == 10**6
    assert parse_version("0" * 20 + "7") == 7
    assert parse_prompt_uri("x/1000000").version == 10**6


def test_the_cli_reports_a_huge_version_in_one_line(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("x", "hi")
    result = subprocess.run(
        [sys.executable, "-m", "gitprompts", "show", "x/" + "9" * 5000],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: invalid version")
    assert "Traceback" not in result.stderr
