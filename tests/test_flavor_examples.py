"""The flavor examples run offline, and without their extra stop with one line naming it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from .flavor_checks import ROOT, example_env, hides, run_example

# example, the extra it needs, the modules that extra brings, lines its output must have
EXAMPLES = [
    (
        "log_openai_model.py",
        "openai",
        ("openai",),
        [
            "  pinned prompt: prompts:/support-system@production -> version 1 (explicit)",
            "answer: system: You answer questions about git in one short sentence. "
            "| user: What is a tag?",
        ],
    ),
    (
        "log_llama_index_model.py",
        "llama-index",
        ("llama_index",),
        [
            "  pinned prompt: prompts:/qa-template@production -> version 1 (explicit)",
            'answer: Context: A git tag names one commit for good. | Reply as JSON {"answer": ...}'
            " to: What is a tag?",
        ],
    ),
    (
        "log_dspy_program.py",
        "dspy",
        ("dspy",),
        [
            "  pinned prompt: prompts:/qa-instructions@production -> version 1 (explicit)",
            "instructions sent: Answer like a careful engineer.",
            "demos kept: ['What is a branch?']",
        ],
    ),
]


def _env(tmp_path: Path) -> dict[str, str]:
    return example_env(tmp_path, PYTHONPATH=str(ROOT))


@pytest.mark.parametrize(("example", "extra", "modules", "lines"), EXAMPLES)
def test_example_runs_offline_and_keeps_the_pinned_prompt(
    example: str, extra: str, modules: tuple[str, ...], lines: list[str], tmp_path: Path
) -> None:
    if importlib.util.find_spec(modules[0]) is None:
        pytest.skip(f"{modules[0]} is not installed")
    result = run_example(example, _env(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    for line in lines:
        assert line in out, result.stdout
    assert "@production now points at version 2" in out
    assert list((tmp_path / "tmp").glob("gitprompts-example-*")) == []


@pytest.mark.parametrize(("example", "extra", "modules", "lines"), EXAMPLES)
def test_example_without_its_extra_names_it_in_one_line(
    example: str, extra: str, modules: tuple[str, ...], lines: list[str], tmp_path: Path
) -> None:
    code = hides(*modules) + (
        "import runpy\n"
        f"sys.argv = [{str(ROOT / 'examples' / example)!r}]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(tmp_path), timeout=60
    )
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"pip install '.[{extra}]'" in line and example in line
