"""Fuzzing every reader of untrusted bytes: each input is accepted and round-trips, or refused.

Not collected by the outer test run (no ``test_`` prefix): ``tests/test_hostile_input.py``
runs this module in a child process under a memory limit and a timeout, so a
reader that regresses into an alias bomb or a quadratic loop fails the suite
instead of hanging CI. Each example also has a per-example deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitprompts.core import promptfile, state, uri
from gitprompts.errors import GitPromptsError
from gitprompts.hooks import install
from gitprompts.models import manifest, runs
from gitprompts.registry import Registry

# The pushes below write commits: pin an identity (tests/conftest.py does this for pytest).
for _key in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
    os.environ.setdefault(_key, "Fuzz")
for _key in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
    os.environ.setdefault(_key, "fuzz@example.com")

FUZZ = settings(
    max_examples=200,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

# YAML that stresses the parser: anchors and aliases, deep nesting, odd scalars, delimiters.
_yaml_atoms = st.sampled_from(
    [
        "a",
        "&a [1, 2]",
        "*a",
        "[*a, *a, *a]",
        "{x: *a}",
        "!!python/object:os.system",
        "~",
        ".nan",
        "2026-01-01",
        "0x1F",
        "'x'",
        '"\\u0000"',
        "|\n  block",
        "---",
        "...",
        "[",
        "{",
        "- - - x",
        "? complex",
        "!!binary aGk=",
        "<<: *a",
        "1e999",
        "-5",
    ]
)
_front_matter = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "type",
                "commit_message",
                "tags",
                "model_config",
                "response_format",
                "messages",
                "x",
                "&k y",
            ]
        ),
        _yaml_atoms,
    ),
    max_size=8,
).map(lambda pairs: "\n".join(f"{k}: {v}" for k, v in pairs))


def _laughs(depth: int, width: int) -> str:
    """A "billion laughs" front matter: each anchor repeats the previous one ``width`` times."""
    lines = ["l0: &l0 lol"]
    for level in range(1, depth + 1):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines)


@st.composite
def prompt_files(draw: st.DrawFn) -> bytes:
    shape = draw(st.integers(0, 4))
    if shape == 4:
        meta = _laughs(draw(st.integers(1, 9)), draw(st.integers(2, 10)))
        return f"---\n{meta}\n---\nbody".encode()
    if shape == 0:
        return draw(st.binary(max_size=512))
    body = draw(st.text(max_size=200))
    if shape == 1:
        return body.encode("utf-8", "surrogatepass")
    meta = draw(_front_matter)
    return f"---\n{meta}\n---\n{body}".encode("utf-8", "surrogatepass")


@FUZZ
@given(prompt_files())
def fuzz_prompt_file(data: bytes) -> None:
    try:
        parsed = promptfile.decode(data, "fuzz.prompt")
    except GitPromptsError:
        return
    again = promptfile.decode(promptfile.encode(parsed), "fuzz.prompt")
    assert again == parsed


def _json_like() -> st.SearchStrategy[object]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=20,
    )


@st.composite
def records(draw: st.DrawFn, fields: list[str]) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=256))
    keys = st.sampled_from([*fields, "schema_version", "extra"]) | st.text(max_size=8)
    value = draw(st.dictionaries(keys, _json_like(), max_size=6))
    try:
        return json.dumps(value, allow_nan=True).encode()
    except (TypeError, ValueError):
        return b"{}"


@FUZZ
@given(records(["latest", "aliases", "deleted", "version_tags", "latest_blob"]))
def fuzz_state(data: bytes) -> None:
    try:
        parsed = state.decode(data, "state/fuzz.json")
    except GitPromptsError:
        return
    assert state.decode(state.encode(parsed), "state/fuzz.json") == parsed


@FUZZ
@given(
    records(["flavor", "loader", "entry", "files", "prompts", "python", "packages", "created_at"])
)
def fuzz_manifest(data: bytes) -> None:
    try:
        parsed = manifest.decode(data, "manifest.json")
    except GitPromptsError:
        return
    assert manifest.decode(manifest.encode(parsed), "manifest.json") == parsed


@FUZZ
@given(records(["run_id", "run_name", "start_time", "models"]))
def fuzz_run_record(data: bytes) -> None:
    try:
        parsed = runs._decoder.decode(data, "runs/fuzz.json")
    except GitPromptsError:
        return
    assert runs._decoder.decode(msgspec.json.encode(parsed), "runs/fuzz.json") == parsed


_uri_parts = st.sampled_from(
    [
        "prompts:/",
        "prompts:",
        "x",
        "/",
        "@",
        "latest",
        "1",
        "0",
        "-1",
        "9" * 40,
        "..",
        ".lock",
        "\x00",
        "é",
        " ",
        "a" * 300,
        "%2F",
        "\n",
    ]
)


@FUZZ
@given(st.lists(_uri_parts, max_size=6).map("".join) | st.text(max_size=60))
def fuzz_uri(text: str) -> None:
    try:
        ref = uri.resolve_ref(text)
    except GitPromptsError:
        return
    assert uri.resolve_ref(ref.uri) == ref


@FUZZ
@given(st.one_of(st.integers(), st.text(max_size=30), st.floats(), st.booleans(), st.none()))
def fuzz_version(value: object) -> None:
    try:
        number = uri.parse_version(value)
    except GitPromptsError:
        return
    assert isinstance(number, int) and number >= 1


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


@settings(FUZZ, max_examples=12, deadline=timedelta(seconds=30))
@given(st.lists(prompt_files(), min_size=1, max_size=2), records(["latest", "aliases", "deleted"]))
def fuzz_hooked_push(files: list[bytes], state_file: bytes) -> None:
    """What a hooked server accepts, every reader can read; the rest is refused and changes nothing."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = Registry(root / "server.git")
        server.register("seed", "Hello {{ name }}")
        install(server.path)
        work = root / "work"
        _git("clone", "-q", str(server.path), str(work), cwd=root)
        for i, data in enumerate(files):
            (work / "prompts" / f"fuzz{i}.prompt").write_bytes(data)
        (work / "state" / "seed.json").write_bytes(state_file)
        _git("add", "-A", cwd=work)
        _git("commit", "-qm", "fuzz", cwd=work)
        _git("tag", "-a", "prompts/fuzz0/1", "-m", "fuzz", cwd=work)
        before = _git("for-each-ref", cwd=server.path).stdout
        pushed = _git("push", "-q", "origin", "main", "prompts/fuzz0/1", cwd=work)
        after = _git("for-each-ref", cwd=server.path).stdout
        if pushed.returncode != 0:
            assert after == before, "a refused push moved refs"
            assert "gitprompts:" in pushed.stderr, pushed.stderr
            return
        reader = Registry(server.path)
        reader.prompts()
        for name in ("seed", "fuzz0"):
            with contextlib.suppress(GitPromptsError):
                reader.resolve(uri.resolve_ref(f"{name}@latest"))


ALL = [
    fuzz_prompt_file,
    fuzz_state,
    fuzz_manifest,
    fuzz_run_record,
    fuzz_uri,
    fuzz_version,
    fuzz_hooked_push,
]

if __name__ == "__main__":
    import sys

    chosen = [f for f in ALL if len(sys.argv) < 2 or f.__name__ in sys.argv[1:]]
    for fuzz in chosen:
        fuzz()
        print(f"{fuzz.__name__}: ok", flush=True)
