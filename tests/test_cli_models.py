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
        "models:/" + logged.model_id[:12],
        "pyfunc",
        "prompts:/greet/1",
        "(as",
        "prompts:/greet@production)",
    ]
    data = json.loads(run("models", "list", "--prompt", "greet/1", "--json").stdout)
    assert [m["model_uri"] for m in data] == [logged.model_uri]
    none = run("models", "list", "--prompt", "other")
    assert (none.exit_code, none.stderr) == (1, "Error: " + none.stderr.removeprefix("Error: "))
    assert "'other'" in none.stderr


def test_models_show(logged: gitprompts.ModelInfo) -> None:
    data = json.loads(run("models", "show", logged.model_uri, "--json").stdout)
    assert list(data) == [
        "model_uri", "model_id", "name", "flavor", "run_id", "created", "prompts", "files",
        "requirements", "signature", "metadata", "model_config", "artifacts",
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


# -- pinned versions, short ids, id prefixes --------------------------------


def test_models_list_shows_the_pinned_version_and_a_short_id(
    logged: gitprompts.ModelInfo,
) -> None:
    gitprompts.register_prompt("greet", "Hi {{ name }}!")
    gitprompts.set_prompt_alias("greet", "production", 2)
    listed = run("models", "list")
    assert listed.exit_code == 0, listed.output
    row = listed.stdout.splitlines()[1]
    assert row.split("  ")[0] == "models:/" + logged.model_id[:12]
    assert logged.model_id not in listed.stdout
    assert "prompts:/greet/1 (as prompts:/greet@production)" in row
    # --json keeps the full id and the URI as written
    [entry] = json.loads(run("models", "list", "--json").stdout)
    assert entry["model_uri"] == logged.model_uri
    assert entry["prompts"][0]["uri"] == "prompts:/greet@production"


def test_models_show_header_is_short_and_model_id_full(logged: gitprompts.ModelInfo) -> None:
    human = run("models", "show", logged.model_uri).stdout
    assert human.splitlines()[0] == "models:/" + logged.model_id[:12]
    assert f"model_id: {logged.model_id}" in human


def _duplicate_with_prefix(home: Path, model_id: str, prefix: str) -> str:
    """A second manifest file whose name shares ``prefix`` with ``model_id``.

    Two real ids sharing 7 hex digits would take ~16**3.5 logged models to
    find; the store decides ambiguity from file names before reading any.
    """
    models_dir = home / "artifacts" / "models"
    other = prefix + ("f" if model_id[len(prefix)] != "f" else "e") + model_id[len(prefix) + 1 :]
    (models_dir / f"{other}.json").write_bytes((models_dir / f"{model_id}.json").read_bytes())
    return other


def test_model_id_prefix_api(logged: gitprompts.ModelInfo, home: Path) -> None:
    prefix = logged.model_id[:7]
    info = gitprompts.get_model_info("models:/" + prefix)
    assert info.model_id == logged.model_id
    assert info.model_uri == logged.model_uri
    assert gitprompts.load_model("models:/" + logged.model_id[:10]).predict({}) == "Hello Ada!"
    too_short = logged.model_id[:6]
    with pytest.raises(gitprompts.errors.ModelNotFoundError, match="at least 7"):
        gitprompts.get_model_info("models:/" + too_short)
    absent = ("0" if logged.model_id[0] != "0" else "1") + logged.model_id[1:7]
    with pytest.raises(gitprompts.errors.ModelNotFoundError, match=absent):
        gitprompts.get_model_info("models:/" + absent)
    other = _duplicate_with_prefix(home, logged.model_id, prefix)
    with pytest.raises(gitprompts.errors.AmbiguousModelIdError) as caught:
        gitprompts.load_model("models:/" + prefix)
    assert caught.value.prefix == prefix
    assert caught.value.candidates == sorted([logged.model_id, other])
    assert f"models:/{logged.model_id[:12]}" in str(caught.value)
    assert f"models:/{other[:12]}" in str(caught.value)
    # a longer prefix that tells them apart still works
    assert gitprompts.get_model_info("models:/" + logged.model_id[:9]).model_id == logged.model_id


def test_model_id_prefix_cli(logged: gitprompts.ModelInfo, home: Path) -> None:
    prefix = logged.model_id[:7]
    shown = run("models", "show", "models:/" + prefix, "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["model_id"] == logged.model_id
    assert run("models", "verify", "models:/" + prefix).exit_code == 0
    _duplicate_with_prefix(home, logged.model_id, prefix)
    ambiguous = run("models", "show", "models:/" + prefix)
    assert ambiguous.exit_code == 1
    assert ambiguous.stderr.count("\n") == 1
    assert "ambiguous" in ambiguous.stderr and logged.model_id[:12] in ambiguous.stderr
    none = run("models", "show", "models:/abcdef0")
    assert none.exit_code == 1 and "models:/abcdef0" in none.stderr


# -- diff shows commit messages and tags ---------------------------------------


def test_cli_diff_includes_commit_messages_and_tags(registry: gitprompts.Registry) -> None:
    gitprompts.register_prompt("t", "Hi {{ n }}\n", commit_message="first", tags={"team": "a"})
    gitprompts.register_prompt("t", "Hi {{ n }}\n", commit_message="retag", tags={"team": "b"})
    result = run("diff", "t", "1", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "--- prompts:/t/1 (metadata)\n"
        "+++ prompts:/t/2 (metadata)\n"
        "@@ -1,2 +1,2 @@\n"
        '-commit_message: "first"\n'
        '-tags.team: "a"\n'
        '+commit_message: "retag"\n'
        '+tags.team: "b"\n'
    )
    data = json.loads(run("diff", "t", "1", "2", "--json").stdout)
    assert data["identical"] is False and '+tags.team: "b"\n' in data["diff"]


def test_demo_shows_the_version_production_moves_to(home: Path) -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    out = result.stdout
    registered = out.index("== Register a third version")
    moved = out.index("== Move production on")
    assert registered < moved
    [v3] = [line for line in out[registered:moved].splitlines() if line.startswith("prompts:/")]
    number = v3.rsplit("/", 1)[1]
    assert f"'production', {number})" in out[moved:]
