"""``gitprompts models list|show|verify|export`` against real logged models."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import gitprompts
from gitprompts.cli import main


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="gitprompts")


def _answer(model_input: Any) -> str:
    prompt = gitprompts.load_prompt("prompts:/greet@production")
    assert prompt is not None
    return str(prompt.format(name="Ada"))


@pytest.fixture
def logged(registry: gitprompts.Registry) -> gitprompts.ModelInfo:
    gitprompts.register_prompt("greet", "Hello {{ name }}!")
    gitprompts.set_prompt_alias("greet", "production", 1)
    return gitprompts.log_model(_answer, "greeter", prompts=["prompts:/greet@production"])


def test_models_list(logged: gitprompts.ModelInfo) -> None:
    listed = run("models", "list")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines()[1].split() == [
        logged.model_uri,
        "pyfunc",
        "prompts:/greet@production",
    ]
    data = json.loads(run("models", "list", "--prompt", "greet/1", "--json").stdout)
    assert [m["model_uri"] for m in data] == [logged.model_uri]
    none = run("models", "list", "--prompt", "other")
    assert (none.exit_code, none.stderr) == (1, "Error: " + none.stderr.removeprefix("Error: "))
    assert "'other'" in none.stderr


def test_models_show(logged: gitprompts.ModelInfo) -> None:
    data = json.loads(run("models", "show", logged.model_uri, "--json").stdout)
    assert list(data) == [
        "model_uri", "model_id", "name", "flavor", "run_id", "created", "prompts", "files"
    ]  # fmt: skip
    created = datetime.strptime(data["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs(datetime.now(timezone.utc) - created) < timedelta(minutes=5)
    [pin] = data["prompts"]
    version = gitprompts.load_prompt("greet/1")
    assert pin == {
        "uri": "prompts:/greet@production",
        "resolved_uri": "prompts:/greet/1",
        "name": "greet",
        "version": 1,
        "commit_id": version.commit_id,
        "blob_id": version.blob_id,
        "sha256": pin["sha256"],
        "source": "explicit",
        "current_version": 1,
    }
    assert len(pin["sha256"]) == 64
    assert [f["path"] for f in data["files"]] and all(len(f["sha256"]) == 64 for f in data["files"])
    human = run("models", "show", logged.model_uri).stdout
    assert "created:  " + created.astimezone().strftime("%Y-%m-%d %H:%M") in human
    assert "prompts:/greet@production  prompts:/greet/1" in human
    assert "explicit" in human


def test_models_verify_reports_each_mismatch(logged: gitprompts.ModelInfo, home: Path) -> None:
    good = run("models", "verify", logged.model_uri)
    assert (good.exit_code, good.stderr) == (0, "")
    assert good.stdout.startswith(f"OK {logged.model_uri}")
    [entry] = logged.files
    stored = home / "artifacts" / "objects" / entry.sha256[:2] / entry.sha256[2:]
    stored.chmod(0o644)
    stored.write_bytes(stored.read_bytes() + b"tampered")
    bad = run("models", "verify", logged.model_uri)
    assert bad.exit_code == 1
    assert bad.stdout.startswith("MISMATCH ")
    assert entry.sha256 in bad.stdout
    assert bad.stderr == f"Error: 1 mismatch(es) in {logged.model_uri}\n"
    data = json.loads(run("models", "verify", logged.model_uri, "--json").stdout)
    assert data["ok"] is False and len(data["problems"]) == 1


def test_models_export_loads_elsewhere(logged: gitprompts.ModelInfo, tmp_path: Path) -> None:
    exported = run("models", "export", logged.model_uri, str(tmp_path / "out"))
    assert exported.exit_code == 0, exported.output
    assert gitprompts.load_model(tmp_path / "out").predict({}) == "Hello Ada!"


def test_models_errors(registry: gitprompts.Registry) -> None:
    result = run("models", "show", "models:/" + "0" * 64)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert "models:/000" in result.stderr
    assert run("models", "show").exit_code == 2


def test_demo_tells_the_model_story(home: Path) -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "(still the pinned text of prompts:/demo-summarize/2" in result.stdout


def test_verify_progress_bar_only_on_a_terminal(
    logged: gitprompts.ModelInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = run("models", "verify", logged.model_uri)
    assert (piped.exit_code, piped.stderr) == (0, "")
    from gitprompts.cli import _common

    monkeypatch.setattr(_common, "stderr_is_tty", lambda: True)
    on_terminal = run("models", "verify", logged.model_uri)
    assert on_terminal.exit_code == 0
    assert f"verifying {logged.model_uri}" in on_terminal.stderr
