"""Autolog per flavor: the LLM call's span names the pinned prompt version after an alias move.

OpenAI: the real ``openai`` client against a real chat-completions server on
127.0.0.1 (``examples/_chat_server``), nothing patched but what autolog wraps.
DSPy: ``DummyLM``. LlamaIndex: ``MockLLM``. Spans go to OpenTelemetry's
in-memory exporter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import gitprompts

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gitprompts import tracing
from gitprompts.models import pins

from .flavor_checks import ROOT

KEY = "sk-test-never-recorded-42"
V1 = "You answer questions about git in one line."
V2 = "You are a pirate."


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracing.autolog(tracer_provider=provider, local=False, flavors=())
    try:
        yield spans
    finally:
        tracing.autolog(disable=True)
        pins.forget()


@pytest.fixture
def qa(registry: gitprompts.Registry) -> gitprompts.Registry:
    gitprompts.register_prompt("qa", V1)
    gitprompts.register_prompt("qa", V2)
    gitprompts.set_prompt_alias("qa", "production", 1)
    return registry


def _named(exporter: InMemorySpanExporter, prefix: str) -> list[ReadableSpan]:
    assert tracing.flush()
    return [s for s in exporter.get_finished_spans() if s.name.startswith(prefix)]


def _sent(span: ReadableSpan) -> str:
    messages = json.loads(str((span.attributes or {})["gen_ai.input.messages"]))
    return "\n".join(p["content"] for m in messages for p in m["parts"])


# -- OpenAI ----------------------------------------------------------------------


@pytest.fixture
def chat(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    pytest.importorskip("openai")
    sys.path.insert(0, str(ROOT / "examples"))
    from _chat_server import running

    with running() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        yield server.base_url


def test_any_openai_client_call_gets_a_chat_span_with_genai_attributes(
    qa: gitprompts.Registry, exporter: InMemorySpanExporter, chat: str
) -> None:
    import openai

    gitprompts.openai.autolog()
    system = gitprompts.load_prompt("prompts:/qa@production").template
    client = openai.OpenAI(max_retries=0)
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": system}, {"role": "user", "content": "Tags?"}],
        temperature=0.2,
        extra_headers={"Authorization": f"Bearer {KEY}"},
    )
    (span,) = _named(exporter, "chat ")
    a = dict(span.attributes or {})
    assert span.name == "chat gpt-4o-mini"
    assert (a["gen_ai.operation.name"], a["gen_ai.provider.name"]) == ("chat", "openai")
    assert (a["gen_ai.request.model"], a["gen_ai.request.temperature"]) == ("gpt-4o-mini", 0.2)
    assert json.loads(str(a["gen_ai.input.messages"])) == [
        {"role": "system", "parts": [{"type": "text", "content": V1}]},
        {"role": "user", "parts": [{"type": "text", "content": "Tags?"}]},
    ]
    [out] = json.loads(str(a["gen_ai.output.messages"]))
    assert out["parts"][0]["content"] == reply.choices[0].message.content
    assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (1, 1)
    assert a["gen_ai.response.finish_reasons"] == ("stop",)
    assert (a["gen_ai.prompt.name"], a["gitprompts.prompt.version"]) == ("qa", 1)
    assert a["gitprompts.prompt.uri"] == "prompts:/qa@production"
    assert KEY not in json.dumps(a)  # the header was redacted, the client's key never seen

    gitprompts.openai.autolog(disable=True)
    client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert len(_named(exporter, "chat ")) == 1  # off: no new span


def test_an_async_openai_call_gets_its_span_under_the_applications_span(
    exporter: InMemorySpanExporter, chat: str
) -> None:
    import asyncio

    import openai
    from opentelemetry import trace

    gitprompts.openai.autolog()
    tracer = trace.get_tracer("app", tracer_provider=tracing._state.provider)  # type: ignore[union-attr]

    async def call() -> None:
        with tracer.start_as_current_span("handler"):
            await openai.AsyncOpenAI(max_retries=0).chat.completions.create(
                model="m", messages=[{"role": "user", "content": "async?"}]
            )

    asyncio.run(call())
    (span,) = _named(exporter, "chat ")
    (handler,) = _named(exporter, "handler")
    assert span.parent is not None and span.parent.span_id == handler.context.span_id
    assert "async?" in _sent(span)
    assert "user: async?" in str((span.attributes or {})["gen_ai.output.messages"])


def test_a_streamed_openai_call_ends_its_span_with_the_reply_put_together(
    exporter: InMemorySpanExporter, chat: str
) -> None:
    import openai

    gitprompts.openai.autolog()
    client = openai.OpenAI(max_retries=0)
    stream = client.chat.completions.create(
        model="m",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    assert _named(exporter, "chat ") == []  # still open: nothing read yet
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    (span,) = _named(exporter, "chat ")
    a = dict(span.attributes or {})
    [out] = json.loads(str(a["gen_ai.output.messages"]))
    assert out["parts"][0]["content"] == text == "system: Be brief.\nuser: Hi"
    assert (a["gen_ai.usage.output_tokens"], a["gen_ai.response.finish_reasons"]) == (2, ("stop",))


def test_an_openai_error_is_recorded_on_the_span(exporter: InMemorySpanExporter, chat: str) -> None:
    import openai

    gitprompts.openai.autolog()
    client = openai.OpenAI(base_url=f"{chat}/missing", max_retries=0)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    (span,) = _named(exporter, "chat ")
    assert span.attributes is not None
    assert span.attributes["error.type"] == "NotFoundError"
    assert span.status.status_code.name == "ERROR"


def test_a_loaded_openai_models_chat_span_carries_the_pinned_version_after_an_alias_move(
    qa: gitprompts.Registry, exporter: InMemorySpanExporter, chat: str
) -> None:
    info = gitprompts.openai.log_model(
        "gpt-4o-mini",
        "chat.completions",
        name="model",
        messages=[
            {"role": "system", "content": "prompts:/qa@production"},
            {"role": "user", "content": "{question}"},
        ],
    )
    gitprompts.set_prompt_alias("qa", "production", 2)
    gitprompts.load_prompt("prompts:/qa@production")  # v2 is now the recent load
    gitprompts.openai.autolog()
    gitprompts.openai.load_model(info.model_uri).predict({"question": "What is a tag?"})
    (predict,) = _named(exporter, "predict")
    (call,) = _named(exporter, "chat ")
    assert call.parent is not None and call.parent.span_id == predict.context.span_id
    a = dict(call.attributes or {})
    assert V1 in _sent(call) and V2 not in _sent(call)
    assert (a["gitprompts.prompt.version"], a["gitprompts.prompt.pinned"]) == (1, True)
    assert a["gitprompts.prompt.sha256"]


# -- DSPy ------------------------------------------------------------------------


def test_a_loaded_dspy_programs_module_and_lm_spans_name_the_pinned_version(
    qa: gitprompts.Registry, exporter: InMemorySpanExporter
) -> None:
    dspy = pytest.importorskip("dspy")
    from dspy.utils import DummyLM

    lm = DummyLM([{"answer": "Snapshots."}] * 10)
    dspy.configure(lm=lm)
    try:
        instructions = gitprompts.load_prompt("prompts:/qa@production").template
        program = dspy.Predict(dspy.Signature("question -> answer", instructions))
        info = gitprompts.dspy.log_model(program, name="qa", prompts=["prompts:/qa@production"])
        gitprompts.set_prompt_alias("qa", "production", 2)
        gitprompts.dspy.autolog()
        loaded = gitprompts.dspy.load_model(info.model_uri)
        assert loaded(question="What is a commit?").answer == "Snapshots."
    finally:
        dspy.configure(lm=None)
    (module,) = _named(exporter, "Predict.forward")
    (call,) = _named(exporter, "chat ")
    assert call.parent is not None and call.parent.span_id == module.context.span_id
    a = dict(call.attributes or {})
    assert (a["gen_ai.operation.name"], a["gen_ai.request.model"]) == ("chat", "dummy")
    assert V1 in _sent(call) and "What is a commit?" in _sent(call)
    assert (a["gen_ai.prompt.name"], a["gitprompts.prompt.version"]) == ("qa", 1)
    assert a["gitprompts.prompt.pinned"] is True
    assert "Snapshots." in str(a["gen_ai.output.messages"])
    assert dict(module.attributes or {})["gitprompts.model.id"] == info.model_id

    gitprompts.dspy.autolog(disable=True)
    assert not [c for c in dspy.settings.callbacks if type(c).__name__ == "SpanCallback"]


# -- LlamaIndex ------------------------------------------------------------------


def test_a_loaded_llama_index_models_llm_span_names_the_pinned_version(
    registry: gitprompts.Registry, exporter: InMemorySpanExporter
) -> None:
    pytest.importorskip("llama_index.core")
    from llama_index.core import Document, Settings, VectorStoreIndex
    from llama_index.core.embeddings import MockEmbedding
    from llama_index.core.llms import MockLLM

    gitprompts.register_prompt("qa", "Context: {{ context_str }}\nAnswer well: {{ query_str }}")
    gitprompts.register_prompt("qa", "Arr, pirate {{ context_str }}: {{ query_str }}")
    gitprompts.set_prompt_alias("qa", "production", 1)
    Settings.llm = MockLLM()
    Settings.embed_model = MockEmbedding(embed_dim=8)
    try:
        index = VectorStoreIndex.from_documents([Document(text="Git stores snapshots.")])
        info = gitprompts.llama_index.log_model(
            index,
            name="index",
            engine_type="query",
            model_config={"text_qa_template": "prompts:/qa@production", "similarity_top_k": 1},
        )
        gitprompts.set_prompt_alias("qa", "production", 2)
        gitprompts.llama_index.autolog()
        model = gitprompts.pyfunc.load_model(info.model_uri)
        answer = model.predict("What is a commit?")
    finally:
        Settings._llm = None
        Settings._embed_model = None
    assert "Answer well" in answer
    names = [s.name for s in _named(exporter, "")]
    predict = next(s for s in _named(exporter, "predict") if s.name == "predict")  # innermost
    (call,) = _named(exporter, "text_completion ")  # MockLLM.complete: LLM.predict calls it
    assert call.name == "text_completion unknown"  # MockLLM's model name
    assert "RetrieverQueryEngine.query" in names and "VectorIndexRetriever.retrieve" in names
    a = dict(call.attributes or {})
    assert "Answer well: What is a commit?" in _sent(call)
    assert (a["gitprompts.prompt.version"], a["gitprompts.prompt.pinned"]) == (1, True)
    assert "Answer well: What is a commit?" in str(a["gen_ai.output.messages"])  # MockLLM echoes
    # Nested under the predict span through LlamaIndex's own query spans.
    assert call.context.trace_id == predict.context.trace_id
    (query,) = _named(exporter, "RetrieverQueryEngine.query")
    assert query.parent is not None and query.parent.span_id == predict.context.span_id


def test_gitprompts_autolog_turns_on_every_installed_flavor() -> None:
    provider = TracerProvider()
    gitprompts.autolog(tracer_provider=provider, local=False)
    try:
        state = tracing._state
        assert state is not None and state.flavors is not None
        for flavor, (library, _, _) in tracing.FLAVORS.items():
            assert (flavor in state.flavors) == tracing._installed(library)
    finally:
        gitprompts.autolog(disable=True)


def test_autolog_hooks_a_library_only_when_the_application_imports_it(tmp_path: Path) -> None:
    """Importing DSPy and LlamaIndex costs seconds: autolog() must not do it for them."""
    pytest.importorskip("dspy")
    script = (
        "import sys, gitprompts\n"
        "from opentelemetry.sdk.trace import TracerProvider\n"
        "gitprompts.autolog(tracer_provider=TracerProvider(), local=False)\n"
        "print('dspy' in sys.modules, 'gitprompts.tracing.dspy' in sys.modules)\n"
        "import dspy\n"
        "print(any(type(c).__name__ == 'SpanCallback' for c in dspy.settings.callbacks))\n"
        "gitprompts.autolog(disable=True)\n"
        "print(any(type(c).__name__ == 'SpanCallback' for c in dspy.settings.callbacks))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GITPROMPTS_HOME": str(tmp_path / "home")}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False", "True", "False"]


def test_a_langchain_openai_call_is_one_span_not_two(
    qa: gitprompts.Registry, exporter: InMemorySpanExporter, chat: str
) -> None:
    """ChatOpenAI calls the openai client: the LangChain span covers it, no second trace."""
    pytest.importorskip("langchain_openai")
    from langchain_openai import ChatOpenAI

    gitprompts.openai.autolog()
    system = gitprompts.load_prompt("prompts:/qa@production").template
    ChatOpenAI(model="gpt-4o-mini", max_retries=0).invoke([("system", system), ("user", "Hi")])
    (span,) = _named(exporter, "chat ")
    a = dict(span.attributes or {})
    assert (a["gitprompts.prompt.version"], a["gen_ai.request.model"]) == (1, "gpt-4o-mini")
    assert KEY not in json.dumps(a)
