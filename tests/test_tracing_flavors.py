"""autolog() and the openai flavor: a predict span with the model id and the pinned prompt.

The model talks to a real chat server on 127.0.0.1 (``examples/_chat_server``), found
through ``OPENAI_BASE_URL`` as in tests/test_flavor_openai.py; nothing is patched.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import pytest

import gitprompts

pytest.importorskip("openai")
pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gitprompts import tracing
from gitprompts.models import pins

from .flavor_checks import ROOT, two_versions

sys.path.insert(0, str(ROOT / "examples"))
from _chat_server import ChatServer, running

KEY = "sk-test-never-recorded-42"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatServer]:
    with running() as chat:
        monkeypatch.setenv("OPENAI_BASE_URL", chat.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        yield chat


def test_an_openai_model_predict_span_names_its_pinned_prompt(
    registry: gitprompts.Registry, server: ChatServer
) -> None:
    two_versions("qa", "You answer questions about {{ topic }} in one line.", "You are a pirate.")
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
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.autolog(tracer_provider=provider)
    try:
        model = gitprompts.openai.load_model(info.model_uri)
        [answer] = model.predict({"topic": "git", "question": "What is a tag?"})
        assert tracing.flush()
        (span,) = [s for s in exporter.get_finished_spans() if s.name == "predict"]
        a = dict(span.attributes or {})
        assert a["gitprompts.model.id"] == info.model_id
        assert a["gen_ai.request.model"] == "gpt-4o-mini"
        assert a["gitprompts.prompt.version"] == 1  # pinned: production is 2 now
        assert a["gitprompts.prompt.uri"] == "prompts:/qa@production"
        assert json.loads(a["gitprompts.outputs"]) == [answer]
        assert KEY not in json.dumps(a)
    finally:
        tracing.autolog(disable=True)
        pins.forget()
