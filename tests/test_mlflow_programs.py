"""Real MLflow programs run through gitprompts with only ``mlflow`` renamed in their code.

Each program in tests/mlflow_programs/ is plain MLflow code: each ran under
MLflow 3.17.2 with a sqlite tracking URI and printed the JSON recorded in
``MLFLOW_PRINTED`` below (the LangChain one with langchain 0.3.30: it printed
the ``invoke`` text and ``refused_missing_input`` asserted below, and an
``m-...`` model URI).
Here its Python tokens are renamed as the README says a user switches,
``mlflow.genai.`` -> ``gitprompts.`` and ``mlflow`` -> ``gitprompts`` (the
strings stay as written, so ``"mlflow.parentRunId"`` is still MLflow's tag
key), and it runs in a fresh process on a scratch GITPROMPTS_HOME.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tokenize
from pathlib import Path
from typing import Any

import pytest

PROGRAMS = Path(__file__).with_name("mlflow_programs")
ROOT = Path(__file__).resolve().parent.parent

# What each program printed under MLflow 3.17.2 (sqlite tracking URI), and what
# gitprompts prints where it differs on purpose.
MLFLOW_PRINTED: dict[str, dict[str, Any]] = {
    "python_model.py": {
        "plain": ["Say hello in a plain way"],
        "loud": ["Say world in a loud way"],
        "metadata": {"owner": "nlp-team"},
        "loaded_metadata": {"owner": "nlp-team"},
        "inputs": 1,
        "refused": "MlflowException",
    },
    "nested_runs.py": {
        "refused_unnested": True,
        "parent_of_child": True,
        "child_name": "t=0.1",
        "parent_tags": {"team": "nlp"},
        "description": "a sweep",
        "resumed_same": True,
        "status": "FINISHED",
        "predict": ["Answer: Why?"],
    },
}
EXCEPTION_NAMES = {"MlflowException": "SchemaEnforcementError"}


def to_gitprompts(source: str) -> str:
    """Rename ``mlflow.genai.`` and ``mlflow`` in the code (never inside strings or comments)."""
    lines = source.splitlines(keepends=True)
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    edits = []  # (row, start col, end col, replacement), applied right to left
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.NAME and tok.string == "mlflow":
            (row, start), end = tok.start, tok.end[1]
            if [t.string for t in tokens[i + 1 : i + 4]] == [".", "genai", "."]:
                end = tokens[i + 2].end[1]  # "mlflow.genai" -> "gitprompts"
            edits.append((row, start, end, "gitprompts"))
    for row, start, end, text in reversed(edits):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + text + line[end:]
    return "".join(lines)


def run(name: str, tmp_path: Path) -> dict[str, Any]:
    source = to_gitprompts((PROGRAMS / name).read_text())
    assert "mlflow." not in source.replace('"mlflow.', "")  # only the tag keys remain
    script = tmp_path / name
    script.write_text(source)
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_renaming_touches_code_only() -> None:
    source = 'import mlflow\nmlflow.genai.load_prompt("x")\nt = {"mlflow.runName": 1}  # mlflow\n'
    assert to_gitprompts(source).split("\n")[:3] == [
        "import gitprompts",
        'gitprompts.load_prompt("x")',
        't = {"mlflow.runName": 1}  # mlflow',
    ]


@pytest.mark.parametrize("name", sorted(MLFLOW_PRINTED))
def test_mlflow_program_prints_what_it_printed_under_mlflow(name: str, tmp_path: Path) -> None:
    printed = run(name, tmp_path)
    expected = {
        k: EXCEPTION_NAMES.get(v, v) if isinstance(v, str) else v
        for k, v in MLFLOW_PRINTED[name].items()
    }
    assert printed == expected


def test_langchain_program(tmp_path: Path) -> None:
    pytest.importorskip("langchain_core")
    printed = run("langchain_chain.py", tmp_path)
    assert printed["invoke"] == "SUMMARIZE IN 3 WORDS: GIT STORES SNAPSHOTS"
    assert printed["refused_missing_input"] is True
    # What the program's arguments left in the model, read back through the API.
    info = _info_in(tmp_path, printed["model_uri"])
    assert info["requirements"] == ["langchain-core"]
    assert info["input_example"] == {"n": 3, "text": "git stores snapshots"}
    assert info["inputs"] == [["long", "n"], ["string", "text"]]
    assert info["prompts"] == ["prompts:/summarize/1"]


def _info_in(tmp_path: Path, uri: str) -> dict[str, Any]:
    code = (
        "import json, sys, gitprompts\n"
        "i = gitprompts.get_model_info(sys.argv[1])\n"
        "print(json.dumps({'requirements': i.requirements, 'input_example': i.input_example,"
        " 'inputs': [[c.type, c.name] for c in i.signature.inputs.inputs],"
        " 'prompts': i.prompt_uris}))\n"
    )
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-c", code, uri], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)  # type: ignore[no-any-return]
