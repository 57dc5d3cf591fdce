"""Isolation for every test and every doctest: its own GITPROMPTS_HOME and a pinned git identity.

It lives at the root, not in ``tests/``, because ``python -m pytest`` also
runs the examples in the package's docstrings (``--doctest-modules`` over
``gitprompts/``), and those must not touch the developer's machine either.

The real home directory is off limits: HOME points at a directory whose
``.gitprompts`` is a plain file, so any code path that falls back to the
default home fails loudly instead of writing to the developer's machine.

Doctests also find ``tmp_path`` (this example's own temporary directory) in
their namespace, so an example can build a registry or a store there.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitprompts import config
from gitprompts.models import pins, runs


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # its parent package is missing
        return False


# Tracing modules that import an optional library at the top: where it is not
# installed (CI installs `.[test]`, which has them all) their doctests are not collected.
collect_ignore = [
    path
    for library, path in (
        ("openai", "gitprompts/tracing/openai.py"),
        ("dspy", "gitprompts/tracing/dspy.py"),
        ("llama_index.core", "gitprompts/tracing/llama_index.py"),
    )
    if not _installed(library)
]

IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}

_REAL_DEFAULT_HOME = Path.home() / ".gitprompts"


def _snapshot(path: Path) -> object:
    try:
        return sorted(p.name for p in path.iterdir()), path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


@pytest.fixture(scope="session", autouse=True)
def _real_home_untouched() -> Iterator[None]:
    before = _snapshot(_REAL_DEFAULT_HOME)
    yield
    assert _snapshot(_REAL_DEFAULT_HOME) == before, "a test touched the real ~/.gitprompts"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    fake_home = tmp_path / "fake-home"
    fake_home.mkdir()
    (fake_home / ".gitprompts").write_text(
        "tests must set GITPROMPTS_HOME, not use ~/.gitprompts\n"
    )
    home = tmp_path / "gitprompts-home"
    monkeypatch.setenv("HOME", str(fake_home))
    monkeypatch.setenv("GITPROMPTS_HOME", str(home))
    monkeypatch.delenv("GITPROMPTS_REGISTRY", raising=False)
    monkeypatch.delenv("GITPROMPTS_ARTIFACTS", raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(fake_home / ".gitconfig"))
    # No background gc racing a test's writes and its cleanup; tests/test_maintenance.py turns it on.
    monkeypatch.setenv("GITPROMPTS_MAINTENANCE", "0")
    for key, value in IDENTITY.items():
        monkeypatch.setenv(key, value)
    config.forget_registries()
    yield home
    config.forget_registries()
    pins.forget()
    # A test that failed inside start_run() without a with block leaves its run active.
    runs._stack.clear()


@pytest.fixture(autouse=True)
def _doctest_tmp_path(doctest_namespace: dict[str, Any], tmp_path: Path) -> None:
    """Let a doctest's example use ``tmp_path``, the directory its GITPROMPTS_HOME is under."""
    doctest_namespace["tmp_path"] = tmp_path
