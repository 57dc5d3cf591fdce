"""Spans for LlamaIndex: one per step its instrumentation dispatcher reports.

LlamaIndex reports every instrumented call (a query, a retrieval, a
synthesis, an LLM ``chat``/``complete``...) to the span handlers of its root
dispatcher (``llama_index.core.instrumentation.get_dispatcher()``), with the
id of the enclosing call; ``enable()`` adds ours there. Each call becomes an
OpenTelemetry span, the child of its enclosing call's span (a top-level one,
of the span current when it started: a model's ``predict`` span, or the
application's). An LLM call's span (``chat <model>``) carries the GenAI
attributes: the messages or prompt as sent, the reply, the error if any, and
the registry prompt whose text is in what was sent (for a loaded model, the
version it pinned).

Needs the ``tracing`` and ``llama-index`` extras.
"""

from __future__ import annotations

import inspect
import json
import threading
from typing import Any

from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.span_handlers import BaseSpanHandler
from llama_index.core.llms import LLM
from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode, Tracer
from pydantic import PrivateAttr

from gitprompts.models import pins
from gitprompts.tracing import attributes as attr
from gitprompts.tracing import pyfunc
from gitprompts.tracing.messages import message_json, message_text, to_json
from gitprompts.tracing.usage import Loads, described, matching

MAX_OPEN_SPANS = 10_000
# The LLM methods that send a request (predict and the structured helpers call these).
CALLS = {
    f"{prefix}{kind}"
    for prefix in ("", "a", "stream_", "astream_")
    for kind in ("chat", "complete")
}


class SpanRecorder(BaseSpanHandler[Any]):  # type: ignore[misc]
    """Makes an OpenTelemetry span of each LlamaIndex dispatcher span."""

    _tracer: Any = PrivateAttr(default=None)
    _loads: Any = PrivateAttr(default=None)
    _spans: dict[str, Span] = PrivateAttr(default_factory=dict)
    _guard: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _enabled: bool = PrivateAttr(default=True)

    def setup(self, tracer: Tracer, loads: Loads) -> SpanRecorder:
        self._tracer, self._loads = tracer, loads
        return self

    def stop(self) -> None:
        self._enabled = False

    def new_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        parent_span_id: str | None = None,
        tags: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not self._enabled or len(self._spans) >= MAX_OPEN_SPANS:
            return None
        with self._guard:
            parent = self._spans.get(parent_span_id) if parent_span_id else None
        context = trace.set_span_in_context(parent) if parent is not None else None
        name = id_.rsplit("-", 5)[0]  # "MockLLM.chat-<uuid>" -> "MockLLM.chat"
        found: dict[str, Any] = {attr.SPAN_KIND: "chain"}
        if isinstance(instance, LLM) and name.rsplit(".", 1)[-1] in CALLS:
            found = self._llm_attributes(instance, bound_args)
            name = f"{found[attr.OPERATION]} {found[attr.REQUEST_MODEL]}"
        else:
            found[attr.INPUTS] = to_json(dict(bound_args.arguments))
        span = self._tracer.start_span(name, context=context, attributes=found)
        with self._guard:
            self._spans[id_] = span
        return None

    def _llm_attributes(self, llm: Any, bound_args: inspect.BoundArguments) -> dict[str, Any]:
        arguments = dict(bound_args.arguments)
        # LlamaIndex's callback decorators bind (*args, **kwargs): the first is the input.
        positional = arguments.get("args") or ()
        sent_input = arguments.get("messages", arguments.get("prompt"))
        if sent_input is None and positional:
            sent_input = positional[0]
        metadata = getattr(llm, "metadata", None)
        model = str(getattr(metadata, "model_name", "") or type(llm).__name__)
        if isinstance(sent_input, (list, tuple)):
            operation = "chat"
            sent = [
                message_json({"role": str(getattr(m.role, "value", m.role)), "content": m.content})
                for m in sent_input
            ]
        else:
            operation = "text_completion"
            sent = [message_json({"role": "user", "content": str(sent_input or "")})]
        found: dict[str, Any] = {
            attr.SPAN_KIND: "chat_model" if operation == "chat" else "llm",
            attr.OPERATION: operation,
            attr.REQUEST_MODEL: model,
            attr.INPUT_MESSAGES: attr.bounded(json.dumps(sent, ensure_ascii=False, default=repr)),
        }
        extra = arguments.get("kwargs")
        if isinstance(extra, dict) and extra:
            found[attr.PARAMETERS] = to_json(attr.redact(extra))
        active = pins.current() or pyfunc.current_pins()
        candidates = self._loads.candidates(active, every_pin=active is not None)
        found.update(described(matching(candidates, message_text(sent))))
        return found

    def prepare_to_exit_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        result: Any | None = None,
        **kwargs: Any,
    ) -> None:
        with self._guard:
            span = self._spans.pop(id_, None)
        if span is None:
            return None
        if isinstance(instance, LLM) and attr.OPERATION in getattr(span, "attributes", {}):
            message = getattr(result, "message", None)
            text = getattr(message, "content", None) if message is not None else None
            if text is None:
                text = getattr(result, "text", None)
            reply = [message_json({"role": "assistant", "content": text or ""})]
            span.set_attribute(attr.OUTPUT_MESSAGES, attr.bounded(json.dumps(reply)))
        else:
            span.set_attribute(attr.OUTPUTS, to_json(result))
        span.end()
        return None

    def prepare_to_drop_span(
        self,
        id_: str,
        bound_args: inspect.BoundArguments,
        instance: Any | None = None,
        err: BaseException | None = None,
        **kwargs: Any,
    ) -> None:
        with self._guard:
            span = self._spans.pop(id_, None)
        if span is None:
            return None
        if err is not None:
            span.record_exception(err)
            span.set_attribute(attr.ERROR_TYPE, type(err).__qualname__)
            span.set_status(Status(StatusCode.ERROR, f"{type(err).__name__}: {err}"))
        span.end()
        return None


_recorder: SpanRecorder | None = None


def enable(tracer: Tracer, loads: Loads) -> None:
    """Add our span handler to LlamaIndex's root dispatcher (replacing one of ours)."""
    global _recorder
    disable()
    _recorder = SpanRecorder().setup(tracer, loads)
    get_dispatcher().add_span_handler(_recorder)


def disable() -> None:
    """Take our span handler out of the root dispatcher."""
    global _recorder
    if _recorder is None:
        return
    _recorder.stop()
    root = get_dispatcher()
    root.span_handlers = [h for h in root.span_handlers if not isinstance(h, SpanRecorder)]
    _recorder = None
