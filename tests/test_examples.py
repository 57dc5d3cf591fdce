"""The seed examples: they say which extra they need, and leave no scratch home behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .flavor_checks import example_env, run_example

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["summarization_chain.py", "log_chatbot.py"]


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_without_langchain_names_the_extra_in_one_line(
    example: str, tmp_path: Path
) -> None:
    # The interpreter as after `pip install .` without the extra: both packages
    # fail to import (a finder placed first on sys.meta_path refuses them).
    env = example_env(tmp_path, PYTHONPATH=str(ROOT))
    code = (
        "import sys, runpy\n"
        "class Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('langchain_core', 'langgraph'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Hide())\n"
        f"sys.argv = [{str(ROOT / 'examples' / example)!r}]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "pip install '.[langchain]'" in lines[0]
    assert example in lines[0]
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_removes_its_scratch_home(example: str, tmp_path: Path) -> None:
    result = run_example(example, example_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "GITPROMPTS_HOME:" in result.stdout
    assert list((tmp_path / "tmp").glob("gitprompts-example-*")) == []
