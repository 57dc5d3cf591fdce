"""Hostile ``.prompt`` files: YAML alias bombs, deep nesting, oversize files, non-JSON values.

A ``.prompt`` file comes from git, so from anyone who can push. Each reader
that a regression could make explode runs in a subprocess under a memory
limit and a timeout, so a regression fails the test instead of taking CI down.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import gitprompts
from gitprompts import errors, hooks
from gitprompts.core import fields, layout, promptfile
from gitprompts.registry import Registry

from .conftest import git

# Enough for Python, PyYAML and pygit2 to run (about 60 MB) but far below
# what an expanded bomb needs: 9**9 strings is gigabytes.
MEMORY_LIMIT = 384 << 20
TIMEOUT = 60


def _bomb() -> bytes:
    """A 'billion laughs' .prompt file: 9 levels of 9 aliases, about 530 bytes."""
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        levels.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return ("---\ntype: text\ntags:\n  " + "\n  ".join(levels) + "\n---\nlol\n").encode()


BOMB = _bomb()


def _bounded(code: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh Python under MEMORY_LIMIT and TIMEOUT."""
    prelude = (
        "import resource\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=os.environ.copy(),
        **kwargs,  # type: ignore[arg-type]
    )


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


# -- anchors and aliases ----------------------------------------------------------


def test_alias_bomb_is_refused_fast_and_small() -> None:
    assert len(BOMB) < 600
    result = _bounded(
        f"""
        import time
        from gitprompts.core import promptfile
        from gitprompts.errors import CorruptPromptFileError
        start = time.perf_counter()
        try:
            promptfile.decode({BOMB!r}, "prompts/bomb.prompt")
        except CorruptPromptFileError as exc:
            print(exc)
        print(f"{{time.perf_counter() - start:.3f}}")
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    message, seconds = result.stdout.splitlines()
    assert "prompts/bomb.prompt" in message
    assert "anchors and aliases are not allowed" in message
    assert float(seconds) < 1.0


@pytest.mark.parametrize(
    ("front", "line"),
    [
        ("tags:\n  a: &x lol\n", 3),  # an anchor alone
        ("tags:\n  a: &x lol\n  b: *x\n", 3),
        ("model_config:\n  base: &b {k: 1}\n  m:\n    <<: *b\n", 3),  # a merge key
        ("type: chat\nmessages: &m\n- role: user\n  content: hi\n", 3),
    ],
)
def test_anchors_and_aliases_are_refused_with_their_line(front: str, line: int) -> None:
    data = f"---\n{front}---\nbody".encode()
    with pytest.raises(errors.CorruptPromptFileError) as info:
        promptfile.decode(data, "prompts/x.prompt")
    message = str(info.value)
    assert "prompts/x.prompt" in message
    assert f"line {line}" in message
    assert "anchors and aliases are not allowed" in message


def test_ampersand_and_star_in_values_are_not_anchors() -> None:
    file = promptfile.PromptFile(
        template="**bold** & {{ x }}", commit_message="*wip* & more", tags={"&": "*"}
    )
    assert promptfile.decode(promptfile.encode(file)) == file


def test_the_registry_and_the_hook_refuse_a_bomb(tmp_path: Path) -> None:
    """A bomb committed by hand: load_prompt refuses it, and so does the server hook."""
    server = Registry(tmp_path / "server.git")
    server.register("greet", "Hello {{ name }}")
    work = tmp_path / "work"
    git("clone", "-q", str(server.path), str(work))
    (work / layout.prompt_path("greet")).write_bytes(BOMB)
    git("-C", str(work), "commit", "-qam", "bomb")
    git("-C", str(work), "tag", "-a", "-m", "v2", "prompts/greet/2")
    # First straight into the repository (no hook yet), as a mirror could get it.
    git("-C", str(work), "push", "-q", "origin", "HEAD:main", "prompts/greet/2")
    result = _bounded(
        f"""
        from gitprompts.registry import Registry
        from gitprompts.errors import CorruptPromptFileError
        try:
            Registry({str(server.path)!r}).get("greet", 2)
        except CorruptPromptFileError as exc:
            print(exc)
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{layout.prompt_path('greet')} at prompts/greet/2" in result.stdout
    assert "anchors and aliases are not allowed" in result.stdout

    hooked = Registry(tmp_path / "hooked.git")
    hooked.register("greet", "Hello {{ name }}")
    hooks.install(hooked.path)
    git("-C", str(work), "remote", "add", "hooked", str(hooked.path))
    git("-C", str(work), "fetch", "-q", "hooked")
    git("-C", str(work), "reset", "-q", "--hard", "hooked/main")
    (work / layout.prompt_path("greet")).write_bytes(BOMB)
    git("-C", str(work), "commit", "-qam", "bomb")
    git("-C", str(work), "tag", "-f", "-a", "-m", "v2", "prompts/greet/2")
    before = git("--git-dir", str(hooked.path), "show-ref")
    # The hook runs in a grandchild of this push: the memory limit is inherited.
    push = subprocess.run(
        ["git", "-C", str(work), "push", "hooked", "HEAD:main", "prompts/greet/2"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=os.environ.copy(),
        preexec_fn=_limit_memory,
    )
    assert push.returncode != 0
    assert "anchors and aliases are not allowed" in push.stderr, push.stderr[-2000:]
    assert "MemoryError" not in push.stderr
    assert git("--git-dir", str(hooked.path), "show-ref") == before


# -- nesting --------------------------------------------------------------------


@pytest.mark.parametrize(
    "front",
    [
        "tags:\n  a: " + "[" * 100 + "]" * 100 + "\n",
        "model_config:\n  a:\n" + "".join("    " + "  " * i + f"k{i}:\n" for i in range(80)),
        "tags:\n  a:\n" + "  - " * 100 + "x\n",
    ],
)
def test_front_matter_nested_too_deep_is_refused(front: str) -> None:
    data = f"---\n{front}---\nbody".encode()
    with pytest.raises(errors.CorruptPromptFileError, match="nested deeper than 64 levels"):
        promptfile.decode(data, "prompts/x.prompt")


def test_the_deepest_model_config_register_accepts_reads_back() -> None:
    config: dict[str, object] = {"leaf": 1}  # the leaf value sits at depth MAX_DEPTH
    for _ in range(fields.MAX_DEPTH - 1):
        config = {"k": config}
    fields.check_json("model_config", config)
    file = fields.prompt_file("Hi", model_config=config)
    assert promptfile.decode(fields.encode(file)) == file


# -- values a reader could not show -------------------------------------------------


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("model_config:\n  blob: !!binary aGk=\n", "a bytes at ['blob']"),
        ("model_config:\n  when: 2024-01-01\n", "a date at ['when']"),
        ("response_format:\n  seen: !!set {a: null}\n", "a set at ['seen']"),
        ("model_config:\n  t: .nan\n", "nan at ['t']"),
        ("model_config:\n  1: x\n", "int key 1"),
    ],
)
def test_non_json_values_in_front_matter_are_refused(front: str, problem: str) -> None:
    data = f"---\n{front}---\nbody".encode()
    with pytest.raises(errors.CorruptPromptFileError) as info:
        promptfile.decode(data, "prompts/x.prompt")
    assert problem in str(info.value)
    assert "prompts/x.prompt" in str(info.value)


# -- size -----------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_when_read() -> None:
    limit = promptfile.DEFAULT_MAX_BYTES
    assert limit == 1 << 20
    data = b"x" * (limit + 1)
    with pytest.raises(errors.CorruptPromptFileError) as info:
        promptfile.decode(data, "prompts/big.prompt")
    message = str(info.value)
    assert "prompts/big.prompt" in message
    assert f"{limit + 1:,} bytes" in message
    assert f"{limit:,}" in message
    assert "GITPROMPTS_MAX_PROMPT_BYTES" in message
    assert promptfile.decode(data[:limit], "prompts/big.prompt").template == "x" * limit


def test_the_limit_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITPROMPTS_MAX_PROMPT_BYTES", "100")
    with pytest.raises(errors.CorruptPromptFileError, match="over the limit of 100 bytes"):
        promptfile.decode(b"x" * 101)
    monkeypatch.setenv("GITPROMPTS_MAX_PROMPT_BYTES", str(2 << 20))
    assert len(promptfile.decode(b"x" * (3 << 19)).template) == 3 << 19
    monkeypatch.setenv("GITPROMPTS_MAX_PROMPT_BYTES", "1MiB")
    with pytest.raises(errors.InvalidInputError, match="GITPROMPTS_MAX_PROMPT_BYTES='1MiB'"):
        promptfile.decode(b"x")


def test_register_over_the_limit_is_refused_and_writes_nothing(
    registry: gitprompts.Registry,
) -> None:
    gitprompts.register_prompt("p", "small")
    before = git("--git-dir", str(registry.path), "for-each-ref")
    objects = sum(1 for p in (registry.path / "objects").rglob("*") if p.is_file())
    for template in ["x" * (1 << 20), [{"role": "user", "content": "y" * (1 << 20)}]]:
        with pytest.raises(errors.PromptTooLargeError) as info:
            gitprompts.register_prompt("p", template)
        assert info.value.limit == 1 << 20
        assert info.value.size > 1 << 20
        assert "GITPROMPTS_MAX_PROMPT_BYTES" in str(info.value)
        assert isinstance(info.value, errors.InvalidInputError)
    assert git("--git-dir", str(registry.path), "for-each-ref") == before
    assert sum(1 for p in (registry.path / "objects").rglob("*") if p.is_file()) == objects


def test_the_hook_refuses_a_file_over_the_limit(tmp_path: Path) -> None:
    server = Registry(tmp_path / "server.git")
    server.register("greet", "Hello {{ name }}")
    hooks.install(server.path)
    work = tmp_path / "work"
    git("clone", "-q", str(server.path), str(work))
    (work / layout.prompt_path("greet")).write_bytes(b"y" * ((1 << 20) + 1))
    git("-C", str(work), "commit", "-qam", "too big")
    before = git("--git-dir", str(server.path), "show-ref")
    push = subprocess.run(
        ["git", "-C", str(work), "push", "origin", "HEAD:main"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=os.environ.copy(),
    )
    assert push.returncode != 0
    assert "over the limit of 1,048,576 bytes" in push.stderr, push.stderr[-2000:]
    assert git("--git-dir", str(server.path), "show-ref") == before


def test_front_matter_with_too_many_values_is_refused() -> None:
    many = "tags:\n  a: [" + "1," * 100_000 + "1]\n"
    with pytest.raises(errors.CorruptPromptFileError, match="past 100,000 values"):
        promptfile.decode(f"---\n{many}---\nbody".encode(), "prompts/x.prompt")


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"Hello {{ name", "never closed"), (b"{% if a %}" * 17, "blocks nested deeper than 16")],
)
def test_a_file_without_front_matter_is_checked_too(data: bytes, reason: str) -> None:
    with pytest.raises(errors.CorruptPromptFileError, match=reason):
        promptfile.decode(data, "prompts/plain.prompt")


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        (b"model_config: {a: " + b"9" * 5000 + b"}", "cannot be read"),
        (b"tags: {a: 2024-13-45}", "month must be in 1..12"),
        (b"commit_message: 2024-02-30", "day is out of range"),
        (b"tags: {a: !!timestamp x}", "cannot be read"),
        (b"tags: {a: !!int x}", "invalid literal for int()"),
        (b"tags: {a: 0b" + b"1" * 20000 + b"}", "an integer of 20,000 bits"),
        (b"commit_message: 0x" + b"f" * 4000, "an integer of 16,000 bits"),
        (b"model_config: {seed: 0x" + b"f" * 17 + b"}", "integer of 68 bits"),
        (b"tags: {a: [1, 2]}", "tag 'a' must be a string"),
        (b"commit_message: {a: b}", "commit_message must be a string"),
    ],
)
def test_values_yaml_cannot_build_or_readers_cannot_show_are_refused(
    front: bytes, problem: str
) -> None:
    with pytest.raises(errors.CorruptPromptFileError) as info:
        promptfile.decode(b"---\n" + front + b"\n---\nhi", "prompts/x.prompt")
    assert problem in str(info.value)
    assert "prompts/x.prompt" in str(info.value)


@pytest.mark.parametrize(
    "arguments",
    [{"model_config": {"seed": 10**5000}}, {"tags": {"big": 10**5000}}, {"tags": {"n": 2**64}}],
)
def test_register_refuses_integers_readers_could_not_show(
    registry: gitprompts.Registry, arguments: dict[str, object]
) -> None:
    with pytest.raises(errors.InvalidInputError, match="64 bits"):
        gitprompts.register_prompt("p", "hi", **arguments)  # type: ignore[arg-type]
