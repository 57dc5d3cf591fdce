"""OTLP/HTTP export to a real receiver on 127.0.0.1, and an endpoint that is down.

The receiver is a plain HTTP server started by the test that accepts what
any OTLP/HTTP collector accepts (``POST /v1/traces``, an
``ExportTraceServiceRequest`` in protobuf) and decodes it with
opentelemetry-proto's own classes.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import gitprompts

pytest.importorskip("langchain_core")
pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.exporter.otlp.proto.http")

from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.prompts import ChatPromptTemplate
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from gitprompts import tracing
from gitprompts.errors import TraceExportWarning
from gitprompts.models import pins
from gitprompts.tracing.store import TraceStore


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, dict[str, str], ExportTraceServiceRequest]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.requests.append((self.path, headers, request))
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _off() -> Iterator[None]:
    yield
    tracing.autolog(disable=True)
    pins.forget()


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in any_value.array_value.values]
    return getattr(any_value, kind)


def test_spans_are_exported_over_otlp_http_with_the_prompt_version(
    registry: gitprompts.Registry, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-team=nlp")
    gitprompts.register_prompt("sys", "You are {{ persona }}. Be brief.")
    gitprompts.autolog()
    prompt = gitprompts.load_prompt("prompts:/sys@latest")
    chain = ChatPromptTemplate.from_messages(
        [("system", prompt.to_single_brace_format()), ("user", "{q}")]
    ) | FakeListChatModel(responses=["ok"])
    chain.invoke({"persona": "a tester", "q": "hi"})
    assert tracing.flush()

    assert receiver.requests, "no OTLP request arrived"
    path, headers, _ = receiver.requests[0]
    assert path == "/v1/traces"
    assert headers.get("x-team") == "nlp"
    assert headers.get("content-type") == "application/x-protobuf"
    received = {}
    for _, _, request in receiver.requests:
        for resource_spans in request.resource_spans:
            service = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
            assert service["service.name"] == "gitprompts"
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received[span.name] = {a.key: _value(a.value) for a in span.attributes}
    llm = received["chat fake-list-chat-model"]
    assert llm["gen_ai.prompt.name"] == "sys"
    assert llm["gitprompts.prompt.version"] == 1
    assert llm["gitprompts.prompt.uri"] == "prompts:/sys@latest"
    assert "You are a tester. Be brief." in llm["gen_ai.input.messages"]
    assert set(received) == {"RunnableSequence", "ChatPromptTemplate", "chat fake-list-chat-model"}
    # The local store keeps them as well.
    assert TraceStore().traces()[0].spans == 3


def test_an_unreachable_endpoint_never_breaks_or_slows_the_call(
    registry: gitprompts.Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"http://127.0.0.1:{port}/v1/traces")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1")
    model = FakeListChatModel(responses=["fine"])
    model.invoke("warm")
    started = time.perf_counter()
    for _ in range(20):
        assert model.invoke("q").content == "fine"
    untraced = time.perf_counter() - started
    gitprompts.autolog()
    with pytest.warns(TraceExportWarning) as warned:
        started = time.perf_counter()
        for _ in range(20):
            assert model.invoke("q").content == "fine"
        traced = time.perf_counter() - started
        tracing.flush()
        for _ in range(5):
            model.invoke("q")
        tracing.flush()
    assert len(warned) == 1  # once, however many batches were dropped
    assert f"127.0.0.1:{port}" in str(warned[0].message)
    # Queued, not sent, on the caller's thread: well under a millisecond more per call
    # here; the bound is loose because the machine is shared.
    assert (traced - untraced) / 20 < 0.005
    assert sum(t.spans for t in TraceStore().traces(limit=100)) == 25
