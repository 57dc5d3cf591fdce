"""``gitprompts import mlflow`` from a real ``mlflow server`` (sqlite), field by field.

MLflow's own client fills the server (``mlflow_populate.py``) and reads it back;
the import must hold the same versions, templates, messages, tags, model
configs, response formats, creation times (to the second), prompt tags,
aliases and model links. A second import writes nothing; one after new MLflow
versions writes just those. Then ``export mlflow`` goes the other way, into
``gitprompts serve`` speaking MLflow's API.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gitprompts.core.layout import prompt_path
from gitprompts.interop import export_mlflow, import_mlflow
from gitprompts.registry import Registry

from .conftest import git
from .mlflow_tools import STORES, child_env, needs_mlflow, run_mlflow
from .serve_seed import running

P = "imp-"


def _assert_same(registry: Registry, expected: dict[str, Any]) -> None:
    for name, prompt in expected.items():
        if name in (P + "a..b", P + "x.lock"):
            continue
        assert registry.prompt_tags(name) == prompt["tags"], name
        assert registry.aliases(name) == prompt["aliases"], name
        live = [v.version for v in registry.versions(name)]
        assert live == sorted(int(n) for n in prompt["versions"]), name
        for number, version in prompt["versions"].items():
            got = registry.get(name, int(number))
            assert got.template == version["template"], (name, number)
            assert got.commit_message == version["commit_message"], (name, number)
            assert got.tags == version["tags"], (name, number)
            assert got.model_config == version["model_config"], (name, number)
            assert got.response_format == version["response_format"], (name, number)
            assert got.creation_timestamp == version["created_s"] * 1000, (name, number)


@pytest.mark.slow
@needs_mlflow
def test_import_brings_every_field_then_only_what_is_new(
    mlflow_server: str, tmp_path: Path
) -> None:
    expected = json.loads(run_mlflow("mlflow_populate.py", mlflow_server, P, "1", home=tmp_path))
    assert set(expected) >= {P + "greet", P + "gappy", P + "a..b"}
    registry = Registry(tmp_path / "r.git")
    report = import_mlflow(mlflow_server, registry)

    # Names MLflow allows and gitprompts refuses are reported, not renamed.
    assert set(report.refused) >= {P + "a..b", P + "x.lock"}
    assert "invalid prompt name" in report.refused[P + "a..b"]
    assert not any(n.startswith(P) and n not in (P + "a..b", P + "x.lock") for n in report.refused)
    assert [n for n in registry.names() if n.startswith(P)] == [P + "gappy", P + "greet"]
    _assert_same(registry, {k: v for k, v in expected.items()})
    # MLflow's deleted version 2 keeps its number here too.
    assert [u for u in report.placeholders if P in u] == [f"prompts:/{P}gappy/2"]
    assert registry.top_version(P + "gappy") == 3
    # The model link MLflow recorded is a note naming the MLflow model.
    links = registry.linked_models(P + "greet", 1)[1]
    assert len(links) == 1 and links[0].startswith("models:/m-")
    # Every version is a plain file and tag in git.
    shown = git(
        "--git-dir", str(registry.path), "show", f"prompts/{P}greet/2:{prompt_path(P + 'greet')}"
    )
    assert "type: chat" in shown and "commit_message: chat" in shown

    # Re-running changes nothing: not one ref moves.
    refs = git("--git-dir", str(registry.path), "for-each-ref")
    again = subprocess.run(
        [sys.executable, "-m", "gitprompts", "--registry", str(registry.path), "import", "mlflow", mlflow_server],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "nothing new to import" in again.stdout
    assert "left out" in again.stderr and "a..b" in again.stderr
    assert git("--git-dir", str(registry.path), "for-each-ref") == refs

    # New MLflow versions: the next import brings exactly those.
    expected = json.loads(run_mlflow("mlflow_populate.py", mlflow_server, P, "2", home=tmp_path))
    report = import_mlflow(mlflow_server, registry)
    assert sorted(u for u in report.imported if P in u) == [
        f"prompts:/{P}fresh/1",
        f"prompts:/{P}greet/4",
    ]
    assert [a for a in report.aliases_set if P in a] == [f"prompts:/{P}greet@production"]
    _assert_same(registry, expected)

    # The same store read directly (sqlite, through MLflow's own client) gives the same.
    direct = Registry(tmp_path / "direct.git").path
    done = subprocess.run(
        [sys.executable, "-m", "gitprompts", "--registry", str(direct), "import", "mlflow",
         STORES[mlflow_server], "--json"],
        capture_output=True, text=True, env=child_env(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert P + "a..b" in json.loads(done.stdout)["refused"]
    _assert_same(Registry(direct), expected)


def test_export_to_mlflow_api_then_import_back_round_trips(tmp_path: Path) -> None:
    source = Registry(tmp_path / "source.git")
    source.register(
        "greet", "Hello {{ name }}", "first", {"team": "nlp"}, None, {"temperature": 0.1}
    )
    source.register(
        "greet", [{"role": "user", "content": "Hi {{ name }}"}], "chat", None, {"type": "object"}
    )
    source.register("greet", "Third")
    source.delete_version("greet", 2)
    source.set_alias("greet", "production", 1)
    source.set_prompt_tag("greet", "owner", "ada")
    target = Registry(tmp_path / "target.git")
    with running(target.path, "tok") as server:
        report = export_mlflow(server.url, source, token="tok")
        assert report.exported == ["prompts:/greet/1", "prompts:/greet/3"]
        assert report.placeholders == ["prompts:/greet/2"]
        assert export_mlflow(server.url, source, token="tok").exported == []  # re-run: nothing
        back = Registry(tmp_path / "back.git")
        imported = import_mlflow(server.url, back)
    assert imported.imported == ["prompts:/greet/1", "prompts:/greet/3"]
    for registry in (target, back):
        assert registry.get("greet", 1).model_config == {"temperature": 0.1}
        assert registry.get("greet", 3).template == "Third"
        assert registry.aliases("greet") == {"production": 1}
        assert registry.prompt_tags("greet") == {"owner": "ada", "team": "nlp"}
        assert [v.version for v in registry.versions("greet")] == [1, 3]


@pytest.mark.slow
@needs_mlflow
def test_export_to_a_real_mlflow_server_keeps_numbers_and_fields(
    mlflow_server: str, tmp_path: Path
) -> None:
    source = Registry(tmp_path / "source.git")
    source.register(
        "exp-greet", "Hello {{ name }}", "first", {"team": "nlp"}, None, {"temperature": 0.1}
    )
    source.register(
        "exp-greet",
        [{"role": "user", "content": "Hi {{ name }}"}],
        "chat",
        None,
        {"type": "object"},
    )
    source.register("exp-greet", "Third")
    source.delete_version("exp-greet", 2)
    source.set_alias("exp-greet", "production", 3)
    report = export_mlflow(mlflow_server, source)
    assert report.refused == {}
    assert report.exported == ["prompts:/exp-greet/1", "prompts:/exp-greet/3"]
    assert export_mlflow(mlflow_server, source).exported == []
    back = Registry(tmp_path / "back.git")
    import_mlflow(mlflow_server, back)
    assert [v.version for v in back.versions("exp-greet")] == [1, 3]
    assert back.get("exp-greet", 1).model_config == {"temperature": 0.1}
    assert back.get("exp-greet", 1).commit_message == "first"
    assert back.get("exp-greet", 3).template == "Third"
    assert back.aliases("exp-greet") == {"production": 3}
    assert back.prompt_tags("exp-greet") == {"team": "nlp"}
