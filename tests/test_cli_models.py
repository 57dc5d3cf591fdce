"""``gitprompts models``: against a stand-in API now, against the real model API once it exists.

The model API (issue 4: ``log_model``, ``get_model_info``, ``search_models``,
``save_model``, ``verify_model``) may not be in this tree yet; the end-to-end
tests skip until it is, the stand-in tests check the formatting and errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner, Result

import gitprompts
from gitprompts.cli import main
from gitprompts.errors import ModelNotFoundError

HAS_MODELS = hasattr(gitprompts, "log_model")
needs_models = pytest.mark.skipif(not HAS_MODELS, reason="the model API (issue 4) is not here yet")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="gitprompts")


PIN = SimpleNamespace(
    uri="prompts:/greet@production",
    name="greet",
    version=1,
    commit_id="c" * 40,
    blob_id="b" * 40,
    sha256="a" * 64,
    source="explicit",
)
INFO = SimpleNamespace(
    model_uri="models:/m1",
    model_id="m1",
    name="bot",
    flavor="pyfunc",
    run_id="r1",
    creation_timestamp=1_700_000_000_000,
    prompts=[PIN],
    files=[{"path": "model.pkl", "sha256": "d" * 64, "size": 12}],
)


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """A stand-in for the model API, recording its calls."""
    calls: list[tuple[str, Any]] = []

    def get_model_info(uri: str) -> Any:
        calls.append(("get_model_info", uri))
        if uri != "models:/m1":
            raise ModelNotFoundError(uri)
        return INFO

    def search_models(prompt: str | None = None) -> list[Any]:
        calls.append(("search_models", prompt))
        return [INFO] if prompt in (None, "greet", "greet/1") else []

    def verify_model(uri: str) -> list[str]:
        calls.append(("verify_model", uri))
        return [] if uri == "models:/m1" else [f"{uri}: model.pkl: expected sha256 d..., got e..."]

    def save_model(uri: str, path: str) -> None:
        calls.append(("save_model", (uri, path)))

    for name, function in [
        ("get_model_info", get_model_info),
        ("search_models", search_models),
        ("verify_model", verify_model),
        ("save_model", save_model),
    ]:
        monkeypatch.setattr(gitprompts, name, function, raising=False)
    return calls


def test_models_list_and_show(fake_api: list[tuple[str, Any]]) -> None:
    listed = run("models", "list")
    assert listed.exit_code == 0
    assert listed.stdout.splitlines()[1].split() == [
        "models:/m1",
        "pyfunc",
        "prompts:/greet@production",
    ]
    assert run("models", "list", "--prompt", "greet/1", "--json").exit_code == 0
    assert ("search_models", "greet/1") in fake_api
    none = run("models", "list", "--prompt", "other")
    assert (none.exit_code, none.stderr) == (0, "No models use other.\n")

    data = json.loads(run("models", "show", "models:/m1", "--json").stdout)
    assert list(data) == [
        "model_uri", "model_id", "name", "flavor", "run_id", "created", "prompts", "files"
    ]  # fmt: skip
    assert data["prompts"] == [
        {
            "uri": "prompts:/greet@production",
            "name": "greet",
            "version": 1,
            "commit_id": "c" * 40,
            "blob_id": "b" * 40,
            "sha256": "a" * 64,
            "source": "explicit",
        }
    ]
    assert data["files"] == [{"path": "model.pkl", "sha256": "d" * 64, "size": 12}]
    assert data["created"] == "2023-11-14T22:13:20Z"
    human = run("models", "show", "models:/m1").stdout
    assert "prompts:/greet@production  prompts:/greet/1  aaaaaaaaaaaa  explicit" in human
    assert "model.pkl  12    dddddddddddd" in human


def test_models_verify_and_export(fake_api: list[tuple[str, Any]], tmp_path: Path) -> None:
    good = run("models", "verify", "models:/m1")
    assert (good.exit_code, good.stderr) == (0, "")
    assert good.stdout.startswith("OK models:/m1")
    bad = run("models", "verify", "models:/m2")
    assert bad.exit_code == 1
    assert bad.stdout.startswith("MISMATCH models:/m2: model.pkl")
    assert bad.stderr == "Error: 1 mismatch(es) in models:/m2\n"
    data = json.loads(run("models", "verify", "models:/m2", "--json").stdout)
    assert data["ok"] is False and len(data["problems"]) == 1
    exported = run("models", "export", "models:/m1", str(tmp_path / "out"))
    assert exported.exit_code == 0
    assert ("save_model", ("models:/m1", str(tmp_path / "out"))) in fake_api


def test_models_errors(fake_api: list[tuple[str, Any]]) -> None:
    result = run("models", "show", "models:/nope")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert "'models:/nope'" in result.stderr
    assert run("models", "show").exit_code == 2


@pytest.mark.skipif(HAS_MODELS, reason="only meaningful without the model API")
def test_models_without_the_model_api() -> None:
    result = run("models", "list")
    assert result.exit_code == 1
    assert "gitprompts.search_models is not available" in result.stderr


# -- end to end with the real model API (issue 4) ----------------------------------


def _answer(model_input: Any) -> str:
    prompt = gitprompts.load_prompt("prompts:/greet@production")
    assert prompt is not None
    return str(prompt.format(name="Ada"))


@needs_models
def test_models_end_to_end(registry: gitprompts.Registry, tmp_path: Path) -> None:
    api: Any = gitprompts
    gitprompts.register_prompt("greet", "Hello {{ name }}!")
    gitprompts.set_prompt_alias("greet", "production", 1)
    info = api.log_model(_answer, "greeter", prompts=["prompts:/greet@production"])
    uri = info.model_uri

    listed = json.loads(run("models", "list", "--prompt", "greet/1", "--json").stdout)
    assert uri in [m["model_uri"] for m in listed]
    shown = json.loads(run("models", "show", uri, "--json").stdout)
    assert [(p["name"], p["version"]) for p in shown["prompts"]] == [("greet", 1)]
    assert shown["files"]
    exported = run("models", "export", uri, str(tmp_path / "out"))
    assert exported.exit_code == 0, exported.stderr
    assert (tmp_path / "out").is_dir()
    if hasattr(gitprompts, "verify_model"):
        verified = run("models", "verify", uri)
        assert verified.exit_code == 0, verified.output
    missing = run("models", "show", "models:/" + "0" * 64)
    assert missing.exit_code == 1


@needs_models
def test_demo_tells_the_model_story(home: Path) -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "(still the pinned text of prompts:/demo-summarize/2" in result.stdout


def test_verify_progress_bar_only_on_a_terminal(
    fake_api: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def verify_model(uri: str, progress: Any = None) -> list[str]:
        for done in (1, 2):
            if progress is not None:
                progress(done, 2)
        return []

    monkeypatch.setattr(gitprompts, "verify_model", verify_model, raising=False)
    piped = run("models", "verify", "models:/m1")
    assert (piped.exit_code, piped.stderr) == (0, "")
    from gitprompts.cli import _common

    monkeypatch.setattr(_common, "stderr_is_tty", lambda: True)
    on_terminal = run("models", "verify", "models:/m1")
    assert on_terminal.exit_code == 0
    assert "verifying models:/m1" in on_terminal.stderr
