"""MLflow's own client against ``gitprompts serve``, diffed with a real MLflow server.

The same scenario (``mlflow_scenario.py``: text and chat prompts, variables,
format, aliases, ``@latest``, tags, model config, search filters, missing
versions, prompts and aliases, a bad name, deletes) runs with MLflow's client
against ``mlflow server`` (sqlite) and against ``gitprompts serve``; the
answers must be the same. What serve wrote is then read back with plain git
and through a gitprompts clone of the served registry.
"""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gitprompts.core.layout import prompt_path
from gitprompts.core.mlflow_wire import IS_PROMPT_TAG, TEXT_TAG, TYPE_TAG
from gitprompts.registry import Registry

from .conftest import git
from .mlflow_tools import api, needs_mlflow, run_mlflow
from .serve_seed import running

TOKEN = "s3cret-token"


@pytest.mark.slow
@needs_mlflow
def test_mlflow_client_gets_the_same_answers_from_serve_as_from_mlflow(
    mlflow_server: str, tmp_path: Path
) -> None:
    registry = Registry(tmp_path / "served.git")
    with running(registry.path, TOKEN) as server, ThreadPoolExecutor(2) as pool:
        # Both backends at once: each child spends seconds importing MLflow.
        on_mlflow = pool.submit(
            run_mlflow, "mlflow_scenario.py", mlflow_server, "diff-", home=tmp_path
        )
        on_serve = pool.submit(
            run_mlflow,
            "mlflow_scenario.py",
            server.url,
            "diff-",
            home=tmp_path,
            MLFLOW_TRACKING_TOKEN=TOKEN,
        )
        expected, got = json.loads(on_mlflow.result()), json.loads(on_serve.result())
        clone = tmp_path / "clone.git"
        git("clone", "-q", "--mirror", server.url + "/git/registry.git", str(clone))
    assert sorted(got) == sorted(expected)
    differences = {k: (expected[k], got[k]) for k in expected if expected[k] != got[k]}
    assert differences == {}
    # The scenario really ran: a chat prompt, a formatted text, a clear error.
    assert got["load 2 by name"]["is_text"] is False
    assert got["format"] == "Hello Ada, from Paris!"
    assert "not found" in got["missing version"]["error"]

    # Every prompt landed as a plain file and tag, readable with git alone ...
    shown = git(
        "--git-dir", str(registry.path), "show", f"prompts/diff-greet/2:{prompt_path('diff-greet')}"
    )
    assert "type: chat" in shown and "You are {{ persona }}." in shown
    assert git("--git-dir", str(registry.path), "tag", "-l", "prompts/diff-greet/*").split() == [
        "prompts/diff-greet/1",
        "prompts/diff-greet/2",
        "prompts/diff-greet/3",
    ]
    # ... and by a gitprompts client from the served clone.
    pulled = Registry(clone)
    assert pulled.get("diff-greet", 3).template == "Bye {{ name }}"
    assert pulled.prompt_tags("diff-summarize") == {"owner": "ada", "team": "search"} | {
        k: v
        for k, v in pulled.prompt_tags("diff-summarize").items()
        if k == "_mlflow_experiment_ids"
    }


def _create(url: str, name: str, token: str | None) -> tuple[int, dict[str, object]]:
    return api(
        url,
        "POST",
        "registered-models/create",
        {"name": name, "tags": [{"key": IS_PROMPT_TAG, "value": "true"}]},
        token,
    )


def _version_tags(text: str) -> list[dict[str, str]]:
    return [
        {"key": IS_PROMPT_TAG, "value": "true"},
        {"key": TYPE_TAG, "value": "text"},
        {"key": TEXT_TAG, "value": text},
    ]


def test_writes_need_the_token_and_a_refused_write_writes_nothing(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "r.git")
    registry.register("greet", "Hello {{ name }}")
    main = git("--git-dir", str(registry.path), "rev-parse", "main")
    with running(registry.path, TOKEN) as server:
        status, answer = _create(server.url, "other", None)
        assert status == 401
        assert answer["error_code"] == "UNAUTHENTICATED"
        assert "MLFLOW_TRACKING_TOKEN" in str(answer["message"])
        status, answer = api(
            server.url,
            "POST",
            "model-versions/create",
            {"name": "greet", "tags": _version_tags("Bye")},
            "wrong",
        )
        assert status == 401
        # Reads need no token.
        status, answer = api(server.url, "GET", "model-versions/get?name=greet&version=1")
        assert status == 200
        assert answer["model_version"]["version"] == "1"  # type: ignore[index]
        # With the token a version lands in git.
        status, answer = api(
            server.url,
            "POST",
            "model-versions/create",
            {"name": "greet", "description": "bye", "tags": _version_tags("Bye {{ name }}")},
            TOKEN,
        )
        assert status == 200, answer
    assert git("--git-dir", str(registry.path), "rev-parse", "main") != main
    assert Registry(registry.path).get("greet", 2).commit_message == "bye"


def test_read_only_serve_refuses_writes_with_mlflow_error(tmp_path: Path) -> None:
    import threading

    from gitprompts.serve import make_server

    registry = Registry(tmp_path / "r.git")
    registry.register("greet", "Hello")
    main = git("--git-dir", str(registry.path), "rev-parse", "main")
    server = make_server(registry.path, port=0, tokens=[TOKEN], read_only=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        status, answer = api(
            server.url,
            "POST",
            "registered-models/alias",
            {"name": "greet", "alias": "prod", "version": "1"},
            TOKEN,
        )
        assert (status, answer["error_code"]) == (403, "PERMISSION_DENIED")
        assert "read-only" in str(answer["message"])
        status, _ = api(server.url, "GET", "registered-models/get?name=greet")
        assert status == 200
    finally:
        server.close()
        thread.join(10)
    assert git("--git-dir", str(registry.path), "rev-parse", "main") == main


def test_unknown_endpoints_and_bad_input_answer_mlflow_json_errors(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "r.git")
    registry.register("greet", "Hello")
    main = git("--git-dir", str(registry.path), "rev-parse", "main")
    with running(registry.path, TOKEN) as server:
        status, answer = api(server.url, "GET", "experiments/get-by-name?experiment_name=x")
        assert (status, answer["error_code"]) == (404, "ENDPOINT_NOT_FOUND")
        assert "registered-models" in str(answer["message"])
        with urllib.request.urlopen(server.url + "/") as page:  # the UI is still there
            assert page.status == 200
        cases = [
            ("GET", "model-versions/get?name=greet&version=abc", None, 400, "INVALID_PARAMETER_VALUE", "integer"),
            ("GET", "model-versions/get?name=greet&version=7", None, 404, "RESOURCE_DOES_NOT_EXIST", "version=7"),
            ("GET", "registered-models/get?name=..%2Fx", None, 400, "INVALID_PARAMETER_VALUE", "invalid prompt name"),
            ("GET", "registered-models/search?filter=name+OR+x", None, 400, "INVALID_PARAMETER_VALUE", "filter"),
            ("GET", "registered-models/search?max_results=x", None, 400, "INVALID_PARAMETER_VALUE", "max_results"),
            ("GET", "model-versions/search?filter=run_id+%3D+%27x%27", None, 400, "INVALID_PARAMETER_VALUE", "name = 'NAME'"),
            ("POST", "registered-models/create", {"name": "m", "tags": []}, 400, "INVALID_PARAMETER_VALUE", "prompts only"),
            ("POST", "registered-models/create", {"name": "x.lock", "tags": [{"key": IS_PROMPT_TAG, "value": "true"}]}, 400, "INVALID_PARAMETER_VALUE", "invalid prompt name"),
            ("POST", "registered-models/create", {"name": "greet", "tags": [{"key": IS_PROMPT_TAG, "value": "true"}]}, 400, "RESOURCE_ALREADY_EXISTS", "already exists"),
            ("POST", "model-versions/create", {"name": "greet", "tags": [{"key": "a", "value": 1}]}, 400, "INVALID_PARAMETER_VALUE", "tag 0"),
            ("POST", "model-versions/create", {"name": "greet", "tags": [{"key": "a", "value": "b"}]}, 400, "INVALID_PARAMETER_VALUE", TEXT_TAG),
            ("POST", "model-versions/create", {"name": "greet", "tags": _version_tags("{% if %}")}, 400, "INVALID_PARAMETER_VALUE", "template"),
            ("POST", "model-versions/create", {"name": "nope", "tags": _version_tags("x")}, 404, "RESOURCE_DOES_NOT_EXIST", "name=nope"),
            ("POST", "model-versions/set-tag", {"name": "greet", "version": "1", "key": TEXT_TAG, "value": "x"}, 400, "INVALID_PARAMETER_VALUE", "never changes"),
        ]  # fmt: skip
        for method, endpoint, body, status_, code, words in cases:
            status, answer = api(server.url, method, endpoint, body, TOKEN)
            assert (status, answer.get("error_code")) == (status_, code), (endpoint, body, answer)
            assert words in str(answer["message"]), (endpoint, answer)
        request = urllib.request.Request(
            server.url + "/api/2.0/mlflow/registered-models/create",
            data=b"{not json",
            method="POST",
        )
        request.add_header("Authorization", f"Bearer {TOKEN}")
        try:
            urllib.request.urlopen(request)
            raise AssertionError("a body that is not JSON was accepted")
        except urllib.error.HTTPError as exc:
            assert exc.code == 400
            assert json.loads(exc.read())["error_code"] == "INVALID_PARAMETER_VALUE"
    assert git("--git-dir", str(registry.path), "rev-parse", "main") == main
