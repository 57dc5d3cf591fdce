"""``gitprompts artifacts``, the committed setting, and the server hook that checks it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import gitprompts
from gitprompts.cli import main

from .conftest import git


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="gitprompts")


def test_set_show_unset(registry: gitprompts.Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = run("artifacts")
    assert shown.exit_code == 0 and "No shared artifact store" in shown.output
    assert run("artifacts", "set", "s3://team-models/prod").exit_code == 0
    assert git("--git-dir", str(registry.path), "show", "main:artifacts.json") == (
        '{"schema_version":1,"url":"s3://team-models/prod"}\n'
    )
    data = json.loads(run("artifacts", "--json").output)
    assert data["url"] == "s3://team-models/prod" and data["source"] == "registry"
    assert "(unchanged)" in run("artifacts", "set", "s3://team-models/prod").output
    monkeypatch.setenv("GITPROMPTS_ARTIFACTS", "gs://elsewhere/x")  # the environment wins
    assert json.loads(run("artifacts", "--json").output)["source"] == "GITPROMPTS_ARTIFACTS"
    monkeypatch.setenv("GITPROMPTS_ARTIFACTS", str(registry.path.parent / "local"))
    assert json.loads(run("artifacts", "--json").output)["url"] is None  # a path: no sharing
    monkeypatch.delenv("GITPROMPTS_ARTIFACTS")
    assert run("artifacts", "unset").exit_code == 0
    assert json.loads(run("artifacts", "--json").output)["url"] is None


@pytest.mark.parametrize(
    ("url", "says"),
    [("ftp://x/y", "not supported"), ("s3:bucket", "not supported"), ("/srv/a", "a local path")],
)
def test_set_refuses_what_no_clone_could_use(
    registry: gitprompts.Registry, url: str, says: str
) -> None:
    result = run("artifacts", "set", url)
    assert result.exit_code == 1 and says in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert git("--git-dir", str(registry.path), "ls-tree", "main", check=False) == ""


def test_the_hook_refuses_a_bad_setting(served: tuple[Path, Path]) -> None:
    _, work = served
    (work / "artifacts.json").write_text('{"schema_version": 1, "url": "ftp://x"}\n')
    git("-C", str(work), "add", "artifacts.json")
    git("-C", str(work), "commit", "-qm", "bad store")
    result = subprocess.run(
        ["git", "-C", str(work), "push", "origin", "main"], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "invalid artifacts.json" in result.stderr and "not supported" in result.stderr
    (work / "artifacts.json").write_text('{"schema_version": 1, "url": "s3://team/x"}\n')
    git("-C", str(work), "commit", "-qam", "good store")
    git("-C", str(work), "push", "-q", "origin", "main")


def test_a_registry_cloned_from_serve_uses_its_store() -> None:
    from gitprompts.models.stores.location import serve_store_url

    assert serve_store_url("https://p.example.com/git/registry.git") == (
        "https://p.example.com/artifacts"
    )
    assert serve_store_url("https://p.example.com/team/prompts.git") is None


def test_models_without_a_shared_store_never_import_obstore(home: Path) -> None:
    code = (
        "import sys, gitprompts\n"
        "info = gitprompts.log_model(lambda q: q, name='m')\n"
        "gitprompts.load_model(info.model_uri)\n"
        "gitprompts.search_models()\n"
        "assert 'obstore' not in sys.modules, 'obstore imported'\n"
    )
    import sys

    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
