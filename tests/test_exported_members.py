"""The public API is exactly what ``gitprompts.__all__`` says, kept sorted (as httpx does)."""

from __future__ import annotations

import subprocess
import sys

import gitprompts


def test_all_is_sorted_and_complete() -> None:
    assert gitprompts.__all__ == sorted(gitprompts.__all__)
    for name in gitprompts.__all__:
        assert getattr(gitprompts, name) is not None, name
    # Everything the package provides on demand is declared public, and nothing else is.
    assert set(gitprompts._LAZY) | {"GitPromptsError", "errors", "__version__"} == set(
        gitprompts.__all__
    )


def test_every_error_derives_from_one_base() -> None:
    from gitprompts import errors

    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.GitPromptsError), name
        assert name in errors.__doc__, f"{name} missing from the class tree in errors.py"


def test_import_does_not_load_pygit2_or_dulwich() -> None:
    code = "import sys, gitprompts; print(sorted(m for m in ('pygit2', 'dulwich', 'click', 'filelock') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
