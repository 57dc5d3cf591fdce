"""Shared fixtures and helpers for the tests.

Every test gets its own GITPROMPTS_HOME and a pinned git identity from the
autouse fixtures in the root ``conftest.py``, which doctests share.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import gitprompts


@pytest.fixture
def home(_isolated: Path) -> Path:
    """This test's GITPROMPTS_HOME."""
    return _isolated


@pytest.fixture
def registry(home: Path) -> gitprompts.Registry:
    """The default (embedded) registry of this test, created on first use."""
    return gitprompts.get_registry()


def git(*args: str, cwd: Path | str | None = None, check: bool = True) -> str:
    """Run the real git CLI and return its stdout."""
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=os.environ.copy()
    )
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


@pytest.fixture
def served(tmp_path: Path) -> tuple[Path, Path]:
    """A registry with the hook installed, and a plain non-bare clone of it to push from."""
    from gitprompts import hooks
    from gitprompts.registry import Registry

    server = Registry(tmp_path / "server.git")
    server.register("greet", "Hello {{ name }}")
    hooks.install(server.path)
    work = tmp_path / "work"
    git("clone", "-q", str(server.path), str(work))
    git("-C", str(work), "fetch", "-q", "origin", "refs/tags/*:refs/tags/*")
    return server.path, work


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``mlflow server`` (sqlite backend) on 127.0.0.1 for the whole session: its URL.

    Skipped when this Python has no MLflow (the ``test`` extra installs it).
    Starting one costs about 15-25 s on 2 busy cores (it creates its tables),
    so every MLflow test shares it and uses prompt names of its own.
    """
    from tests.mlflow_tools import start_mlflow_server

    with start_mlflow_server(tmp_path_factory.mktemp("mlflow-server")) as url:
        yield url
