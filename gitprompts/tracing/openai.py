"""Spans for OpenAI chat completions: one per ``client.chat.completions.create`` call.

``enable()`` wraps ``create`` of the ``openai`` package's chat-completions
resource classes (sync and async) once per process, as MLflow's openai
autolog does, so every client made before or after, and every openai-flavor
model's ``predict``, is traced; the wrapper costs one module-global check
while tracing is off. The span (``chat <model>``) is made on the caller's
thread, the child of whatever span is current (a model's ``predict`` span),
and carries the GenAI attributes: the operation, the model, the request
parameters (credential-named ones redacted), the messages exactly as sent,
the reply, the token usage, the error if any, and the registry prompt whose
text is in the messages (for a loaded model, the version it pinned).

A call made by a LangChain model that our LangChain handler traces (``ChatOpenAI``)
gets no span of its own: the handler's span has it all (``tracing/calls.py``).

A streamed call (``stream=True``) ends its span when the caller has read the
stream to its end (or closed it), with the reply put together from the chunks
and the usage if the request asked for it (``stream_options``).

Needs the ``tracing`` and ``openai`` extras.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from openai.resources.chat.completions import AsyncCompletions, Completions
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from gitprompts.models import pins
from gitprompts.tracing import attributes as attr
from gitprompts.tracing import calls, pyfunc
from gitprompts.tracing.messages import message_json, message_text, to_json
from gitprompts.tracing.usage import Loads, described, matching

_wrapped = False
_active: tuple[Tracer, Loads] | None = None
# Request parameters the GenAI conventions name.
_REQUEST = {
    "temperature": attr.REQUEST_TEMPERATURE,
    "max_tokens": attr.REQUEST_MAX_TOKENS,
    "max_completion_tokens": attr.REQUEST_MAX_TOKENS,
    "top_p": attr.REQUEST_TOP_P,
    "seed": attr.REQUEST_SEED,
}


def enable(tracer: Tracer, loads: Loads) -> None:
    """Trace every chat completion with ``tracer`` from now on."""
    global _active, _wrapped
    if not _wrapped:
        Completions.create = _traced(Completions.create)
        AsyncCompletions.create = _traced_async(AsyncCompletions.create)
        _wrapped = True
    _active = (tracer, loads)


def disable() -> None:
    """Stop tracing chat completions (the wrapper stays, switched off)."""
    global _active
    _active = None


def request_attributes(kwargs: dict[str, Any], loads: Loads) -> dict[str, Any]:
    """The span's attributes for a ``create(**kwargs)`` call, prompts included.

    >>> a = request_attributes({"model": "gpt-4o", "messages": [{"role": "user",
    ...     "content": "hi"}], "temperature": 0.2, "api_key": "sk-1"}, Loads())
    >>> a["gen_ai.request.model"], a["gen_ai.request.temperature"]
    ('gpt-4o', 0.2)
    >>> json.loads(a["gitprompts.request.parameters"])["api_key"]
    '[redacted]'
    """
    model = str(kwargs.get("model", ""))
    raw = kwargs.get("messages")
    messages = list(raw) if isinstance(raw, (list, tuple)) else []
    sent = [message_json(m) for m in messages]
    params = {k: v for k, v in kwargs.items() if k != "messages"}
    found: dict[str, Any] = {
        attr.SPAN_KIND: "chat_model",
        attr.OPERATION: "chat",
        attr.PROVIDER: "openai",
        attr.REQUEST_MODEL: model,
        # Credentials are dropped before anything keeps the parameters.
        attr.PARAMETERS: to_json(attr.redact(params)),
        attr.INPUT_MESSAGES: attr.bounded(json.dumps(sent, ensure_ascii=False, default=repr)),
    }
    for key, name in _REQUEST.items():
        value = params.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            found[name] = value
    stop = params.get("stop")
    if isinstance(stop, str):
        stop = [stop]
    if isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        found[attr.REQUEST_STOP] = stop
    # A loaded model's pins: active while it resolves its prompts, or remembered by its
    # predict span (the openai flavor calls create outside the pinned scope).
    active = pins.current() or pyfunc.current_pins()
    candidates = loads.candidates(active, every_pin=active is not None)
    found.update(described(matching(candidates, message_text(sent))))
    return found


def response_attributes(response: Any) -> dict[str, Any]:
    """The reply's attributes: output messages, finish reasons, usage, response model."""
    found: dict[str, Any] = {}
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list):
        return found  # a stream: its chunks go to the caller
    outputs, reasons = [], []
    for choice in choices:
        message = getattr(choice, "message", None)
        if message is not None:
            reply = {"role": getattr(message, "role", "assistant"), "content": message.content}
            reply["tool_calls"] = [
                {"id": c.id, "name": c.function.name, "args": c.function.arguments}
                for c in getattr(message, "tool_calls", None) or []
                if getattr(c, "function", None) is not None
            ]
            outputs.append(message_json(reply))
        reason = getattr(choice, "finish_reason", None)
        if isinstance(reason, str):
            reasons.append(reason)
    found[attr.OUTPUT_MESSAGES] = attr.bounded(json.dumps(outputs, ensure_ascii=False))
    if reasons:
        found[attr.FINISH_REASONS] = reasons
    model = getattr(response, "model", None)
    if isinstance(model, str) and model:
        found[attr.RESPONSE_MODEL] = model
    usage = getattr(response, "usage", None)
    for key, name in (
        ("prompt_tokens", attr.INPUT_TOKENS),
        ("completion_tokens", attr.OUTPUT_TOKENS),
    ):
        value = getattr(usage, key, None)
        if isinstance(value, int):
            found[name] = value
    return found


class _Chunks:
    """What a stream's chunks say, put together as a reply."""

    def __init__(self) -> None:
        self.texts: dict[int, list[str]] = {}
        self.reasons: dict[int, str] = {}
        self.model = ""
        self.usage: Any = None

    def add(self, chunk: Any) -> None:
        self.model = getattr(chunk, "model", None) or self.model
        self.usage = getattr(chunk, "usage", None) or self.usage
        for choice in getattr(chunk, "choices", None) or []:
            content = getattr(getattr(choice, "delta", None), "content", None)
            if isinstance(content, str):
                self.texts.setdefault(choice.index, []).append(content)
            if isinstance(getattr(choice, "finish_reason", None), str):
                self.reasons[choice.index] = choice.finish_reason

    def reply(self) -> Any:
        """A stand-in with the shape ``response_attributes`` reads."""
        choices = [
            SimpleNamespace(
                message=SimpleNamespace(role="assistant", content="".join(self.texts[i])),
                finish_reason=self.reasons.get(i),
            )
            for i in sorted(self.texts)
        ]
        return SimpleNamespace(choices=choices, model=self.model, usage=self.usage)


def _streamed(span: Any, response: Any) -> bool:
    """End ``span`` when the caller has read ``response`` (a ``Stream``) to its end."""
    source = getattr(response, "_iterator", None)  # openai's Stream/AsyncStream keep it here
    if source is None:
        return False
    chunks = _Chunks()
    if hasattr(source, "__anext__"):

        async def agen() -> Any:
            error = None
            try:
                async for chunk in source:
                    chunks.add(chunk)
                    yield chunk
            except BaseException as exc:
                error = exc
                raise
            finally:
                _finish(span, chunks.reply(), error)

        response._iterator = agen()
    else:

        def gen() -> Any:
            error = None
            try:
                for chunk in source:
                    chunks.add(chunk)
                    yield chunk
            except BaseException as exc:
                error = exc
                raise
            finally:
                _finish(span, chunks.reply(), error)

        response._iterator = gen()
    return True


def _start(tracer: Tracer, loads: Loads, kwargs: dict[str, Any]) -> Any:
    attributes = request_attributes(kwargs, loads)
    name = f"chat {attributes[attr.REQUEST_MODEL]}".rstrip()
    return tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)


def _finish(span: Any, response: Any, error: BaseException | None) -> None:
    if isinstance(error, GeneratorExit):
        error = None  # the caller closed the stream early: not a failure
    if error is not None:
        span.record_exception(error)
        span.set_attribute(attr.ERROR_TYPE, type(error).__qualname__)
        span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
    else:
        span.set_attributes(response_attributes(response))
    span.end()


def _traced(create: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(create)
    def traced(self: Any, *args: Any, **kwargs: Any) -> Any:
        active = _active
        if active is None or calls.in_langchain_model():
            return create(self, *args, **kwargs)
        span = _start(*active, kwargs)
        try:
            # Current during the call: the HTTP client's own spans, if instrumented, nest.
            with trace.use_span(
                span, end_on_exit=False, record_exception=False, set_status_on_exception=False
            ):
                response = create(self, *args, **kwargs)
        except BaseException as error:
            _finish(span, None, error)
            raise
        if not (kwargs.get("stream") and _streamed(span, response)):
            _finish(span, response, None)
        return response

    return traced


def _traced_async(create: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(create)
    async def traced(self: Any, *args: Any, **kwargs: Any) -> Any:
        active = _active
        if active is None or calls.in_langchain_model():
            return await create(self, *args, **kwargs)
        span = _start(*active, kwargs)
        try:
            # Current during the call: the HTTP client's own spans, if instrumented, nest.
            with trace.use_span(
                span, end_on_exit=False, record_exception=False, set_status_on_exception=False
            ):
                response = await create(self, *args, **kwargs)
        except BaseException as error:
            _finish(span, None, error)
            raise
        if not (kwargs.get("stream") and _streamed(span, response)):
            _finish(span, response, None)
        return response

    return traced
