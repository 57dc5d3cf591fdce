"""Real processes: the installed ``gitprompts`` script (or ``python -m gitprompts``).

Exit codes and stderr as a shell sees them, byte-exact piping of
``show --raw`` into ``register -f -``, and that ``--help`` never imports pygit2.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gitprompts
from gitprompts.cli import LAZY_COMMANDS
from gitprompts.core import layout

# The checkout under test, first on the path, so the child runs this code
# even when another copy of gitprompts is installed.
SOURCE_ROOT = str(Path(gitprompts.__file__).resolve().parent.parent)


def command() -> list[str]:
    script = Path(sys.executable).with_name("gitprompts")
    if script.exists():  # the console script of the environment running the tests
        return [str(script)]
    return [sys.executable, "-m", "gitprompts"]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SOURCE_ROOT}


def cli(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*command(), *args], input=input, capture_output=True, env=env(), timeout=60
    )


def test_help_and_subcommand_help_do_not_import_pygit2() -> None:
    names = sorted(LAZY_COMMANDS)
    code = (
        "import sys\n"
        "from gitprompts.cli import main\n"
        f"for name in [None, *{names!r}]:\n"
        "    args = ['--help'] if name is None else [name, '--help']\n"
        "    assert main(args, standalone_mode=False) == 0\n"
        "    assert 'pygit2' not in sys.modules, name\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=env(), timeout=60
    )
    assert result.returncode == 0, result.stderr.decode()


def test_exit_codes_and_stderr(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("x", "hi")
    found = cli("show", "x/1")
    assert found.returncode == 0
    assert found.stderr == b""
    missing = cli("show", "x/2")
    assert missing.returncode == 1
    assert missing.stdout == b""
    assert missing.stderr.decode().splitlines() == [
        "Error: version 2 of prompt 'x' not found; existing versions go up to 1"
    ]
    usage = cli("show")
    assert usage.returncode == 2
    assert b"Missing argument 'URI'" in usage.stderr
    assert cli("--version").stdout == f"gitprompts {gitprompts.__version__}\n".encode()


def test_show_raw_piped_into_register_round_trips_bytes(
    registry: gitprompts.Registry, tmp_path: Path
) -> None:
    # A leading '---', CRLF, non-ASCII, a blank line and no trailing newline.
    template = "---\r\nCRLF ü {{ a }}\r\n\r\nand no trailing newline"
    source = tmp_path / "t.txt"
    source.write_bytes(template.encode())
    assert cli("register", "x", "-f", str(source)).stdout == b"prompts:/x/1\n"
    with subprocess.Popen(
        [*command(), "show", "x/1", "--raw"], stdout=subprocess.PIPE, env=env()
    ) as shown:
        registered = subprocess.run(
            [*command(), "register", "y", "-f", "-"],
            stdin=shown.stdout,
            capture_output=True,
            env=env(),
            timeout=60,
        )
    assert shown.returncode == 0
    assert registered.returncode == 0, registered.stderr
    assert registered.stdout == b"prompts:/y/1\n"
    assert cli("show", "y/1", "--raw").stdout == template.encode()
    copy = gitprompts.load_prompt("y/1")
    assert copy is not None and copy.template == template


def test_chat_prompt_round_trips_through_json(registry: gitprompts.Registry) -> None:
    messages = [
        {"role": "system", "content": "Be {{ tone }}\r\n"},
        {"role": "user", "content": "ü"},
    ]
    gitprompts.register_prompt("chat", messages)
    raw = cli("show", "chat/1", "--raw").stdout
    assert cli("register", "chat2", "-f", "-", "--format", "json", input=raw).returncode == 0
    copy = gitprompts.load_prompt("chat2/1")
    assert copy is not None and copy.template == messages


def test_demo_twice_in_a_fresh_home(tmp_path: Path) -> None:
    for _ in range(2):
        result = cli("demo", "--home", str(tmp_path / "home"))
        assert result.returncode == 0, result.stderr
        assert b"@production" in result.stdout


def _file_size_limit(limit: int) -> None:
    """In the child: writes past ``limit`` bytes fail with EFBIG, like a full disk."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    registry = tmp_path / "r.git"
    assert cli("--registry", str(registry), "init").returncode == 0
    assert cli("--registry", str(registry), "register", "small", "-t", "hi").returncode == 0
    refs = sorted(p.relative_to(registry).as_posix() for p in (registry / "refs").rglob("*"))
    big = tmp_path / "big.txt"
    # Random text, so zlib cannot shrink the blob under the limit.
    big.write_text(os.urandom(60_000).hex())
    run = subprocess.run(
        [*command(), "--registry", str(registry), "register", "big", "-f", str(big)],
        capture_output=True,
        env=env(),
        timeout=60,
        preexec_fn=lambda: _file_size_limit(20_000),
    )
    assert run.returncode == 1, run.stderr
    lines = run.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "cannot write to the registry" in lines[0], lines
    assert (
        sorted(p.relative_to(registry).as_posix() for p in (registry / "refs").rglob("*")) == refs
    )
    subprocess.run(
        ["git", "--git-dir", str(registry), "fsck", "--strict"], check=True, capture_output=True
    )


def test_a_warning_is_one_line_and_the_listing_goes_on(tmp_path: Path) -> None:
    registry = tmp_path / "r.git"
    assert cli("init", str(registry)).returncode == 0
    assert cli("--registry", str(registry), "register", "good", "-t", "fine").returncode == 0
    assert cli("--registry", str(registry), "register", "bad", "-t", "soon broken").returncode == 0
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(registry), str(work)], check=True, env=env())
    (work / layout.state_path("bad")).write_text('{"latest": "many"}')
    for args in (["commit", "-qam", "break bad"], ["push", "-q", "origin", "main"]):
        subprocess.run(["git", "-C", str(work), *args], check=True, env=env())
    listed = cli("--registry", str(registry), "list")
    assert listed.returncode == 0, listed.stderr
    assert b"good" in listed.stdout and b"bad" not in listed.stdout
    lines = listed.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ") and "bad" in lines[0], lines
