"""Shared fixtures and helpers for the tests.

Every test gets its own GITPROMPTS_HOME and a pinned git identity from the
autouse fixtures in the root ``conftest.py``, which doctests share.
"""

from __future__ import annotations

import os
import subprocess
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
