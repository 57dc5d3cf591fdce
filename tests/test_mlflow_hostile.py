"""``gitprompts import mlflow`` from a server that answers nonsense: specific errors, nothing half-written.

The "server" is a real HTTP server on 127.0.0.1 started here, answering
MLflow's registry endpoints with what each case says.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gitprompts.core.mlflow_wire import IS_PROMPT_TAG, TEXT_TAG, TYPE_TAG
from gitprompts.errors import MLflowServerError
from gitprompts.interop import import_mlflow
from gitprompts.registry import Registry

from .conftest import git

Answer = Callable[[str], tuple[int, bytes]]


@contextmanager
def fake_mlflow(answer: Answer) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = answer(self.path)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _version(name: str, number: object, text: str, kind: str = "text") -> dict[str, Any]:
    tags = [
        {"key": IS_PROMPT_TAG, "value": "true"},
        {"key": TYPE_TAG, "value": kind},
        {"key": TEXT_TAG, "value": text},
    ]
    return {"name": name, "version": str(number), "tags": tags, "creation_timestamp": 1700000000000}


def _registry_answer(versions: list[dict[str, Any]], names: list[str]) -> Answer:
    def answer(path: str) -> tuple[int, bytes]:
        if "registered-models/search" in path:
            models = [{"name": n, "tags": [{"key": IS_PROMPT_TAG, "value": "true"}]} for n in names]
            return 200, json.dumps({"registered_models": models}).encode()
        if "model-versions/search" in path:
            return 200, json.dumps({"model_versions": versions}).encode()
        return 404, b'{"error_code": "ENDPOINT_NOT_FOUND", "message": "no"}'

    return answer


@pytest.mark.parametrize(
    ("versions", "words"),
    [
        ([_version("bad", 1, "ok"), _version("bad", 2, "not a list", "chat")], "chat template"),
        ([_version("bad", 1, "ok"), _version("bad", "x", "ok")], "not a number"),
        ([_version("bad", 1, "ok"), _version("bad", 2, "{% if %}")], "template"),
        (
            [_version("bad", 1, "ok"), {"name": "bad", "version": "2", "tags": [{"key": 1}]}],
            "tag 0",
        ),
        (
            [_version("bad", 1, "ok"), _version("bad", 2, "x", "binary")],
            "neither 'text' nor 'chat'",
        ),
    ],
)
def test_a_bad_version_refuses_its_whole_prompt_before_any_write(
    tmp_path: Path, versions: list[dict[str, Any]], words: str
) -> None:
    registry = Registry(tmp_path / "r.git")
    registry.register("other", "untouched")
    refs = git("--git-dir", str(registry.path), "for-each-ref")
    good = [_version("good", 1, "Hello {{ name }}")]
    with fake_mlflow(_registry_answer(versions + good, ["bad", "good"])) as url:
        report = import_mlflow(url, registry)
    assert words in report.refused["bad"]
    assert "bad" not in registry.names()
    assert report.imported == ["prompts:/good/1"]
    assert registry.get("good", 1).creation_timestamp == 1700000000000
    assert git("--git-dir", str(registry.path), "for-each-ref") != refs  # good was written


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda path: (200, b"<html>not json"), "not JSON"),
        (lambda path: (200, b"[1, 2]"), "not a JSON object"),
        (lambda path: (200, b'{"model_versions": "x"}'), "not a list of objects"),
        (lambda path: (500, b'{"error_code": "INTERNAL_ERROR", "message": "db down"}'), "db down"),
        (lambda path: (200, b'{"model_versions": [], "next_page_token": "again"}'), "repeats"),
    ],
)
def test_a_server_answering_nonsense_is_one_specific_error_and_writes_nothing(
    tmp_path: Path, answer: Answer, words: str
) -> None:
    registry = Registry(tmp_path / "r.git")
    registry.register("other", "untouched")
    refs = git("--git-dir", str(registry.path), "for-each-ref")
    with fake_mlflow(answer) as url, pytest.raises(MLflowServerError) as caught:
        import_mlflow(url, registry)
    assert words in str(caught.value)
    assert caught.value.uri == url
    assert git("--git-dir", str(registry.path), "for-each-ref") == refs
