"""What the CLI prints for people never carries terminal control sequences from the registry.

A commit message, a tag, a template or an author name can hold ESC, CSI or
OSC sequences (``\\x1b]0;title\\x07`` retitles a terminal, ``\\x1b]8;;url``
makes a link, ``\\x1b[2J`` clears the screen). Human output shows them as
visible escapes such as ``\\x1b``; ``--json`` and ``--raw`` stay exact.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import gitprompts
from gitprompts.cli import main

from .pty_tools import read_until_closed

# What a terminal acts on: C0 controls but tab and newline, DEL, C1 controls,
# and a carriage return that does not end a line.
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")

EVIL = "\x1b]0;pwned\x07\x1b[2J\x9b31m\x1b]8;;http://evil.example\x1b\\"
TEMPLATE = f"Hi {{{{ name }}}} {EVIL}\r\nsafe line\rhidden\x00\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="gitprompts")


@pytest.fixture
def evil(registry: gitprompts.Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_AUTHOR_NAME", f"Eve {EVIL}")
    gitprompts.register_prompt("p", "Hello {{ name }}", commit_message="first")
    gitprompts.register_prompt(
        "p",
        TEMPLATE,
        commit_message=f"second {EVIL}",
        tags={f"k{EVIL}": f"v{EVIL}"},
        model_config={"note": f"c1 {EVIL}"},
    )
    gitprompts.register_prompt("chat", [{"role": f"user{EVIL}", "content": f"hi {EVIL}"}])
    gitprompts.set_prompt_alias("p", "production", 2)


@pytest.mark.parametrize(
    "args",
    [
        ["show", "p"],
        ["show", "chat"],
        ["log", "p"],
        ["list"],
        ["diff", "--no-color", "p", "1", "2"],
        ["alias", "list"],
    ],
)
def test_human_output_shows_control_characters_as_escapes(evil: None, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert UNSAFE.search(result.stdout) is None, repr(result.stdout)
    if args[0] != "list" and args[0] != "alias":
        assert "\\x1b]0;pwned\\x07" in result.stdout


def test_diff_in_colour_carries_only_its_own_styles(evil: None) -> None:
    result = CliRunner().invoke(main, ["diff", "--color", "p", "1", "2"], color=True)
    assert result.exit_code == 0
    assert UNSAFE.search(re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)) is None
    assert "\\x1b[2J" in result.stdout


def test_json_and_raw_stay_exact(evil: None) -> None:
    shown = json.loads(run("show", "p", "--json").stdout)
    assert shown["template"] == TEMPLATE
    assert shown["commit_message"] == f"second {EVIL}"
    assert shown["tags"] == {f"k{EVIL}": f"v{EVIL}"}
    assert json.loads(run("log", "p", "--json").stdout)[0]["user_id"].startswith(f"Eve {EVIL}")
    raw = CliRunner().invoke(main, ["show", "p", "--raw"])
    assert raw.stdout_bytes == TEMPLATE.encode()


def test_an_error_message_shows_control_characters_as_escapes(
    registry: gitprompts.Registry, tmp_path: Path
) -> None:
    bad = tmp_path / f"bad{EVIL[:12]}.json"
    bad.write_text("{not json")
    result = run("register", "p", "-f", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot read")
    assert "\\x1b]0;pwned\\x07" in result.stderr
    assert UNSAFE.search(result.stderr) is None, repr(result.stderr)


def test_show_on_a_real_terminal(evil: None, registry: gitprompts.Registry) -> None:
    """``gitprompts show`` in a subprocess whose stdout is a pseudo-terminal."""
    leader, follower = pty.openpty()
    env = dict(os.environ, GITPROMPTS_REGISTRY=str(registry.path), TERM="xterm")
    with subprocess.Popen(
        [sys.executable, "-m", "gitprompts", "show", "p"],
        stdout=follower,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        os.close(follower)
        output = read_until_closed(leader)
        assert process.wait(timeout=60) == 0, process.stderr.read() if process.stderr else ""
    # The terminal turns "\n" into "\r\n"; click's bold for the URI is ours.
    text = output.decode().replace("\r\n", "\n")
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert UNSAFE.search(text) is None, repr(text)
    assert "second \\x1b]0;pwned\\x07" in text
