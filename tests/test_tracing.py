"""Tracing with the real OpenTelemetry SDK (its in-memory exporter) and LangChain's fake models."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import gitprompts

pytest.importorskip("langchain_core")
pytest.importorskip("langgraph")
pytest.importorskip("opentelemetry.sdk")

from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gitprompts import tracing
from gitprompts.models import pins
from gitprompts.tracing.store import TraceStore

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """autolog() into an in-memory exporter (and the test's local trace store)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.autolog(tracer_provider=provider)
    try:
        yield exporter
    finally:
        tracing.autolog(disable=True)
        pins.forget()


def finished(exporter: InMemorySpanExporter) -> tuple[ReadableSpan, ...]:
    assert tracing.flush()  # spans are made off the caller's thread
    return exporter.get_finished_spans()


def by_name(exporter: InMemorySpanExporter) -> dict[str, ReadableSpan]:
    return {s.name: s for s in finished(exporter)}


def attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def test_seed_example_2_llm_span_holds_the_pinned_prompt_and_its_version(
    registry: gitprompts.Registry, spans: InMemorySpanExporter
) -> None:
    gitprompts.register_prompt("chat-prompt", "You are an expert in programming.")
    gitprompts.set_prompt_alias("chat-prompt", "production", 1)
    with gitprompts.start_run():
        info = gitprompts.langchain.log_model(
            str(EXAMPLES / "chatbot.py"), name="graph", code_paths=[str(EXAMPLES / "_common.py")]
        )
    # The alias moves after logging: the model still sends version 1.
    gitprompts.register_prompt("chat-prompt", "You are a pirate.")
    gitprompts.set_prompt_alias("chat-prompt", "production", 2)
    gitprompts.langchain.autolog()  # the facade: reconfigures onto the global/own provider
    gitprompts.tracing.autolog(tracer_provider=spans_provider(spans))
    graph = gitprompts.langchain.load_model(info.model_uri)
    graph.invoke({"messages": [{"role": "user", "content": "Threads or processes?"}]})

    found = by_name(spans)
    llm = next(s for s in found.values() if attrs(s).get("gen_ai.operation.name") == "chat")
    a = attrs(llm)
    # Exactly as sent (LangGraph's add_messages keeps the user's message first).
    sent = json.loads(a["gen_ai.input.messages"])
    assert sent == [
        {"role": "user", "parts": [{"type": "text", "content": "Threads or processes?"}]},
        {
            "role": "system",
            "parts": [{"type": "text", "content": "You are an expert in programming."}],
        },
    ]
    pinned = info.manifest.prompts[0]
    assert a["gen_ai.prompt.name"] == "chat-prompt"
    assert a["gitprompts.prompt.version"] == 1  # pinned, not where @production points now
    assert a["gitprompts.prompt.uri"] == "prompts:/chat-prompt@production"
    assert a["gitprompts.prompt.resolved_uri"] == "prompts:/chat-prompt/1"
    assert a["gitprompts.prompt.sha256"] == pinned.sha256
    assert a["gitprompts.prompt.blob_id"] == pinned.blob_id
    assert a["gitprompts.prompt.pinned"] is True
    assert a["gen_ai.request.model"] == "fake-list-chat-model"
    assert "Threads share one process" in a["gen_ai.output.messages"]
    # The root span (the graph) carries the model id, and every span is in one trace.
    roots = [s for s in finished(spans) if s.parent is None]
    assert len(roots) == 1
    assert attrs(roots[0])["gitprompts.model.id"] == info.model_id
    assert attrs(roots[0])["gitprompts.prompts"] == ("prompts:/chat-prompt/1",)
    assert {s.context.trace_id for s in finished(spans)} == {roots[0].context.trace_id}
    # The graph node that added the system message used the prompt too.
    assert attrs(found["add_system_message"])["gitprompts.prompt.version"] == 1
    assert llm.end_time is not None and llm.start_time is not None


def spans_provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def test_unpinned_registry_prompt_is_named_on_the_spans_that_sent_it(
    registry: gitprompts.Registry, spans: InMemorySpanExporter
) -> None:
    gitprompts.register_prompt("sys", "You are {{ persona }}. Answer in one line.")
    gitprompts.register_prompt("unused", "Never sent anywhere.")
    gitprompts.load_prompt("prompts:/unused/1")
    prompt = gitprompts.load_prompt("sys", version=1)
    chain = ChatPromptTemplate.from_messages(
        [("system", prompt.to_single_brace_format()), ("user", "{q}")]
    ) | FakeListChatModel(responses=["ok"])
    chain.invoke({"persona": "Ada", "q": "hi"})
    llm = by_name(spans)["chat fake-list-chat-model"]
    a = attrs(llm)
    assert a["gitprompts.prompt.uri"] == "prompts:/sys/1"
    assert a["gitprompts.prompt.pinned"] is False
    assert a["gitprompts.prompts"] == ("prompts:/sys/1",)  # not the loaded-but-unused one
    assert "You are Ada. Answer in one line." in a["gen_ai.input.messages"]


def test_errors_are_recorded_with_their_exception(spans: InMemorySpanExporter) -> None:
    def boom(_: object) -> str:
        raise ValueError("no such thing")

    with pytest.raises(ValueError):
        RunnableLambda(boom).invoke("x")
    (span,) = finished(spans)
    assert span.status.status_code.name == "ERROR"
    assert attrs(span)["error.type"] == "ValueError"
    (event,) = span.events
    assert event.name == "exception"
    assert event.attributes is not None
    assert event.attributes["exception.message"] == "no such thing"


def test_tool_calls_and_token_usage(spans: InMemorySpanExporter) -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    model = GenericFakeChatModel(
        messages=iter(
            [
                AIMessage(
                    "3", usage_metadata={"input_tokens": 7, "output_tokens": 1, "total_tokens": 8}
                )
            ]
        )
    )
    chain = RunnableLambda(lambda q: add.invoke({"a": 1, "b": 2})) | RunnableLambda(
        lambda n: model.invoke(f"say {n}")
    )
    chain.invoke("go")
    found = by_name(spans)
    t = attrs(found["execute_tool add"])
    assert t["gen_ai.operation.name"] == "execute_tool"
    assert t["gen_ai.tool.name"] == "add"
    assert t["gen_ai.tool.call.result"] == "3"
    llm = next(s for s in found.values() if attrs(s).get("gen_ai.operation.name") == "chat")
    assert attrs(llm)["gen_ai.usage.input_tokens"] == 7
    assert attrs(llm)["gen_ai.usage.output_tokens"] == 1
    # Parent-child as LangChain nests them: the tool under its lambda, under the sequence.
    root = next(s for s in found.values() if s.parent is None)
    assert found["execute_tool add"].parent is not None
    assert found["execute_tool add"].context.trace_id == root.context.trace_id


class KeyedChat(FakeListChatModel):
    """A fake chat model that, like a real provider's, holds credentials as parameters."""

    openai_api_key: str = "sk-live-123456"
    temperature: float = 0.3

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "openai_api_key": self.openai_api_key,
            "headers": {"Authorization": "Bearer tok-987"},
            "temperature": self.temperature,
            "model": "keyed-1",
        }


def test_secrets_passed_as_model_parameters_are_never_recorded(
    spans: InMemorySpanExporter,
) -> None:
    KeyedChat(responses=["fine"]).invoke("hello")
    tracing.flush()
    (span,) = finished(spans)
    recorded = json.dumps(attrs(span), default=str)
    assert "sk-live-123456" not in recorded and "tok-987" not in recorded
    assert attrs(span)["gen_ai.request.temperature"] == 0.3
    assert attrs(span)["gen_ai.request.model"] == "keyed-1"
    params = json.loads(attrs(span)["gitprompts.request.parameters"])
    assert params["openai_api_key"] == "[redacted]"
    stored = json.dumps(
        [s.attributes for s in TraceStore().spans(format(span.context.trace_id, "032x"))]
    )
    assert "sk-live-123456" not in stored and "tok-987" not in stored


def test_disable_stops_tracing(spans: InMemorySpanExporter) -> None:
    model = FakeListChatModel(responses=["a", "b"])
    model.invoke("one")
    assert len(finished(spans)) == 1
    gitprompts.autolog(disable=True)
    assert not tracing.is_enabled()
    model.invoke("two")
    assert len(finished(spans)) == 1


def test_spans_reach_the_local_store_and_the_cli(spans: InMemorySpanExporter, home: Path) -> None:
    FakeListChatModel(responses=["stored"]).invoke("keep me")
    assert tracing.flush()
    (summary,) = TraceStore().traces()
    assert summary.name == "chat fake-list-chat-model" and summary.spans == 1
    env_python = [sys.executable, "-m", "gitprompts", "--home", str(home), "traces"]
    listed = subprocess.run(
        [*env_python, "list", "--json"], capture_output=True, text=True, check=True
    )
    (entry,) = json.loads(listed.stdout)
    assert entry["trace_id"] == summary.trace_id and entry["spans"] == 1
    shown = subprocess.run(
        [*env_python, "show", summary.trace_id[:8]], capture_output=True, text=True, check=True
    )
    assert "[user] keep me" in shown.stdout and "-> [assistant] stored" in shown.stdout
    missing = subprocess.run([*env_python, "show", "0" * 32], capture_output=True, text=True)
    assert missing.returncode == 1
    assert (
        missing.stderr.count("\n") == 1 and "not found in the local trace store" in missing.stderr
    )


def test_import_gitprompts_does_not_import_opentelemetry() -> None:
    code = (
        "import sys, gitprompts, gitprompts.tracing, gitprompts.langchain; "
        "gitprompts.autolog; "
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_application_tracer_provider_is_used_not_replaced(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        from langchain_core.language_models.fake_chat_models import FakeListChatModel
        import gitprompts

        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        gitprompts.autolog()
        tracer = trace.get_tracer("app")
        with tracer.start_as_current_span("request") as outer:
            FakeListChatModel(responses=["x"]).invoke("hi")
        gitprompts.tracing.flush()
        spans = {s.name: s for s in exporter.get_finished_spans()}
        llm = spans["chat fake-list-chat-model"]
        assert trace.get_tracer_provider() is provider
        assert llm.parent is not None and llm.parent.span_id == outer.get_span_context().span_id
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_tracing_adds_little_to_a_call(spans: InMemorySpanExporter) -> None:
    # A loose guard (the benchmark measures it properly): far under 10 ms per call.
    chain = RunnableLambda(lambda x: x) | FakeListChatModel(responses=["r"])
    chain.invoke("warm")
    started = time.perf_counter()
    for _ in range(50):
        chain.invoke("q")
    assert (time.perf_counter() - started) / 50 < 0.010


PYFUNC_CODE = """
import gitprompts
from langchain_core.language_models.fake_chat_models import FakeListChatModel

SYSTEM = gitprompts.load_prompt("prompts:/terse@production")
LLM = FakeListChatModel(responses=["Short."])


class Bot:
    def predict(self, question):
        reply = LLM.invoke([("system", SYSTEM.template), ("user", question)])
        return {"system": SYSTEM.template, "answer": reply.content}


gitprompts.set_model(Bot())
"""


def test_a_pyfunc_predict_is_the_parent_span_with_the_model_and_pinned_prompt(
    registry: gitprompts.Registry, spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    gitprompts.register_prompt("terse", "Answer in one word.")
    gitprompts.set_prompt_alias("terse", "production", 1)
    script = tmp_path / "bot.py"
    script.write_text(PYFUNC_CODE)
    info = gitprompts.pyfunc.log_model(str(script), name="bot")
    gitprompts.register_prompt("terse", "Answer at length.")
    gitprompts.set_prompt_alias("terse", "production", 2)
    model = gitprompts.pyfunc.load_model(info.model_uri)
    assert model.predict("why?") == {"system": "Answer in one word.", "answer": "Short."}
    found = by_name(spans)
    predict = found["predict"]
    a = attrs(predict)
    assert a["gitprompts.model.id"] == info.model_id
    assert a["gitprompts.prompt.version"] == 1 and a["gitprompts.prompt.pinned"] is True
    assert json.loads(a["gitprompts.outputs"])["answer"] == "Short."
    llm = found["chat fake-list-chat-model"]
    assert llm.parent is not None and llm.parent.span_id == predict.context.span_id
    assert attrs(llm)["gitprompts.prompt.uri"] == "prompts:/terse@production"
    gitprompts.autolog(disable=True)
    model.predict("again?")
    assert len(finished(spans)) == 2  # off: nothing more


def test_async_calls_are_traced_with_their_parents(spans: InMemorySpanExporter) -> None:
    import asyncio

    chain = RunnableLambda(lambda x: x) | FakeListChatModel(responses=["async ok"])
    assert asyncio.run(chain.ainvoke("q")).content == "async ok"
    found = by_name(spans)
    root = next(s for s in found.values() if s.parent is None)
    llm = found["chat fake-list-chat-model"]
    assert llm.parent is not None and llm.parent.span_id == root.context.span_id
    assert "async ok" in attrs(llm)["gen_ai.output.messages"]
