"""The Traces pages of ``gitprompts serve``, called in-process over WSGI."""

from __future__ import annotations

import json
import subprocess
import sys
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("langchain_core")
pytest.importorskip("langgraph")
pytest.importorskip("opentelemetry.sdk")

from gitprompts.serve.pages import UIApp

from . import traces_seed
from .serve_seed import make_env


def get(app: UIApp, path: str, query: str = "") -> tuple[str, str]:
    status: list[str] = []

    def start_response(s: str, headers: list[Any]) -> None:
        status.append(s)

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "wsgi.input": BytesIO(),
    }
    body = b"".join(app(environ, start_response)).decode()
    return status[0], body


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("traces")
    env = make_env(root)
    out = subprocess.run(
        [sys.executable, traces_seed.__file__], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return root / "home", json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def app(seeded: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> UIApp:
    monkeypatch.setenv("GITPROMPTS_HOME", str(seeded[0]))
    return UIApp(registry=seeded[0] / "registry.git")


def test_traces_list_links_to_the_trace_the_prompt_version_and_the_model(
    app: UIApp, seeded: tuple[Path, dict[str, str]]
) -> None:
    facts = seeded[1]
    status, body = get(app, "/traces")
    assert status == "200 OK"
    assert f'href="/traces/{facts["trace_id"]}"' in body
    assert 'href="/prompts/chat-prompt?v=1"' in body  # the pinned version, not production's 2
    assert f'href="/models/{facts["model_id"]}"' in body
    assert 'href="/traces"' in body  # the header links the page


def test_trace_page_shows_the_tree_the_rendered_prompt_and_escapes_everything(
    app: UIApp, seeded: tuple[Path, dict[str, str]]
) -> None:
    facts = seeded[1]
    status, body = get(app, f"/traces/{facts['trace_id']}")
    assert status == "200 OK"
    assert "You are an expert in programming. &lt;img src=x onerror=alert(1)&gt;" in body
    assert "<img src=x" not in body and "<script>alert" not in body
    assert "&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt; Threads or processes?" in body
    assert "add_system_message" in body and "chat fake-list-chat-model" in body
    assert "prompts:/chat-prompt@production" in body  # the URI as written
    assert 'href="/prompts/chat-prompt?v=1"' in body
    assert f'href="/models/{facts["model_id"]}"' in body


def test_prompt_page_lists_recent_traces_per_version(
    app: UIApp, seeded: tuple[Path, dict[str, str]]
) -> None:
    status, body = get(app, "/prompts/chat-prompt")
    assert status == "200 OK"
    section = body[body.index('id="traces"') :]
    assert f'href="/traces/{seeded[1]["trace_id"]}"' in section
    assert 'href="/traces?prompt=chat-prompt/1"' in section
    filtered = get(app, "/traces", "prompt=chat-prompt/2")[1]
    assert seeded[1]["trace_id"] not in filtered


def test_bad_trace_ids_are_refused(app: UIApp) -> None:
    assert get(app, "/traces/not-an-id")[0] == "400 Bad Request"
    assert get(app, "/traces/" + "0" * 32)[0] == "404 Not Found"
    assert get(app, "/traces/a/b")[0] == "404 Not Found"


def test_a_damaged_store_names_no_server_path(
    app: UIApp, seeded: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    import sqlite3

    home = tmp_path / "copy"
    shutil.copytree(seeded[0], home)
    with sqlite3.connect(home / "traces" / "traces.db") as db:
        db.execute("UPDATE spans SET data = ?", (b'{"schema_version": 1, "name": 5}',))
    monkeypatch.setenv("GITPROMPTS_HOME", str(home))
    status, body = get(UIApp(registry=home / "registry.git"), "/traces")
    assert status == "400 Bad Request"
    assert "cannot be read" in body and str(home) not in body
    # The prompt page still renders, without the traces.
    status, body = get(UIApp(registry=home / "registry.git"), "/prompts/chat-prompt")
    assert status == "200 OK" and "No stored trace used this prompt." in body
