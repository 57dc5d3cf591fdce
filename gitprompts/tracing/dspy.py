"""Spans for DSPy programs: one per module call (``forward``) and one per LM call.

DSPy calls its callbacks (``dspy.utils.callback.BaseCallback``) around every
module and LM call, on the caller's thread or task; ``enable()`` adds ours to
the global ``dspy.settings.callbacks``. A module's span is current while it
runs, so its predictors' and LMs' spans nest under it (and it under the
application's span, or a model's ``predict`` span). An LM span (``chat
<model>``) carries the GenAI attributes: the messages as DSPy formatted them,
the request parameters (credentials redacted), the outputs, the token usage
when the LM reports it, the error if any, and the registry prompt whose text
is in the messages (for a loaded program, the version it pinned).

Needs the ``tracing`` and ``dspy`` extras.
"""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Any

import dspy
from dspy.utils.callback import BaseCallback
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

from gitprompts.models import pins
from gitprompts.tracing import attributes as attr
from gitprompts.tracing import pyfunc
from gitprompts.tracing.messages import message_json, message_text, to_json
from gitprompts.tracing.usage import Loads, described, matching

# Calls started and not yet ended (an end DSPy never sends: a crashed callback
# chain); past this many, new calls are not traced rather than growing the table.
MAX_OPEN_CALLS = 10_000
_REQUEST = {
    "temperature": attr.REQUEST_TEMPERATURE,
    "max_tokens": attr.REQUEST_MAX_TOKENS,
    "top_p": attr.REQUEST_TOP_P,
    "seed": attr.REQUEST_SEED,
}


class SpanCallback(BaseCallback):  # type: ignore[misc]
    """Makes a span per DSPy module and LM call with ``tracer``."""

    def __init__(self, tracer: Tracer, loads: Loads) -> None:
        self.tracer = tracer
        self.loads = loads
        self.enabled = True
        self._open: dict[str, tuple[Span, object, Any]] = {}
        self._lock = threading.Lock()

    def _begin(self, call_id: str, name: str, attributes: dict[str, Any], lm: Any) -> None:
        if len(self._open) >= MAX_OPEN_CALLS:
            return
        span = self.tracer.start_span(name, attributes=attributes, kind=SpanKind.INTERNAL)
        token = otel_context.attach(trace.set_span_in_context(span))
        with self._lock:
            self._open[call_id] = (span, token, lm)

    def _close(self, call_id: str, found: dict[str, Any], exception: Exception | None) -> Any:
        with self._lock:
            opened = self._open.pop(call_id, None)
        if opened is None:
            return None
        span, token, lm = opened
        # A different context (DSPy moved threads) cannot detach: the span still ends.
        with contextlib.suppress(Exception):
            otel_context.detach(token)  # type: ignore[arg-type]
        if exception is not None:
            span.record_exception(exception)
            span.set_attribute(attr.ERROR_TYPE, type(exception).__qualname__)
            span.set_status(Status(StatusCode.ERROR, f"{type(exception).__name__}: {exception}"))
        span.set_attributes(found)
        span.end()
        return lm

    # -- modules -----------------------------------------------------------------

    def on_module_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        if not self.enabled:
            return
        found: dict[str, Any] = {attr.SPAN_KIND: "chain", attr.INPUTS: to_json(_values(inputs))}
        active = pins.current() or pyfunc.current_pins()
        if active is not None:
            found[attr.MODEL_ID] = active.model
        self._begin(call_id, f"{type(instance).__name__}.forward", found, None)

    def on_module_end(
        self, call_id: str, outputs: Any | None, exception: Exception | None = None
    ) -> None:
        self._close(call_id, {attr.OUTPUTS: to_json(outputs)}, exception)

    # -- language models ---------------------------------------------------------

    def on_lm_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        if not self.enabled:
            return
        model = str(getattr(instance, "model", "") or type(instance).__name__)
        messages = inputs.get("messages")
        if not messages and inputs.get("prompt"):
            messages = [{"role": "user", "content": inputs["prompt"]}]
        sent = [message_json(m) for m in messages or []]
        params = {**(getattr(instance, "kwargs", None) or {}), **(inputs.get("kwargs") or {})}
        found: dict[str, Any] = {
            attr.SPAN_KIND: "chat_model",
            attr.OPERATION: "chat",
            attr.REQUEST_MODEL: model,
            attr.PARAMETERS: to_json(attr.redact(params)),
            attr.INPUT_MESSAGES: attr.bounded(json.dumps(sent, ensure_ascii=False, default=repr)),
        }
        provider = model.split("/", 1)[0] if "/" in model else None
        if provider:
            found[attr.PROVIDER] = provider
        for key, name in _REQUEST.items():
            value = params.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                found[name] = value
        active = pins.current() or pyfunc.current_pins()
        candidates = self.loads.candidates(active, every_pin=active is not None)
        found.update(described(matching(candidates, message_text(sent))))
        if active is not None:
            # A loaded program's pins are active inside its forward only, after DSPy
            # started the module's span: the module learns its model id here.
            found[attr.MODEL_ID] = active.model
            enclosing = trace.get_current_span()
            if enclosing.is_recording():
                enclosing.set_attribute(attr.MODEL_ID, active.model)
        self._begin(call_id, f"chat {model}", found, instance)

    def on_lm_end(
        self, call_id: str, outputs: dict[str, Any] | None, exception: Exception | None = None
    ) -> None:
        found: dict[str, Any] = {}
        if outputs is not None:
            replies = [
                {"role": "assistant", "content": o.get("text", "") if isinstance(o, dict) else o}
                for o in (outputs if isinstance(outputs, list) else [outputs])
            ]
            found[attr.OUTPUT_MESSAGES] = attr.bounded(
                json.dumps([message_json(r) for r in replies], ensure_ascii=False, default=repr)
            )
        with self._lock:
            opened = self._open.get(call_id)
        lm = opened[2] if opened is not None else None
        found.update(_usage(lm))
        self._close(call_id, found, exception)


def _values(inputs: dict[str, Any]) -> dict[str, Any]:
    # DSPy hands the bound arguments of forward: the keyword arguments are the inputs.
    kwargs = inputs.get("kwargs")
    return kwargs if isinstance(kwargs, dict) and len(inputs) <= 2 else inputs


def _usage(lm: Any) -> dict[str, Any]:
    """Token usage of ``lm``'s last call, from its history (when the provider reported it)."""
    history = getattr(lm, "history", None)
    if not isinstance(history, list) or not history or not isinstance(history[-1], dict):
        return {}
    usage = history[-1].get("usage") or {}
    found: dict[str, Any] = {}
    for key, name in (
        ("prompt_tokens", attr.INPUT_TOKENS),
        ("completion_tokens", attr.OUTPUT_TOKENS),
    ):
        value = usage.get(key) if isinstance(usage, dict) else None
        if isinstance(value, int):
            found[name] = value
    return found


_callback: SpanCallback | None = None


def enable(tracer: Tracer, loads: Loads) -> None:
    """Add our callback to DSPy's global callbacks (replacing a previous one of ours)."""
    global _callback
    disable()
    _callback = SpanCallback(tracer, loads)
    _set_callbacks([*_callbacks(), _callback])


def disable() -> None:
    """Take our callback out of DSPy's global callbacks."""
    global _callback
    if _callback is None:
        return
    _callback.enabled = False
    _set_callbacks([c for c in _callbacks() if not isinstance(c, SpanCallback)])
    _callback = None


def _callbacks() -> list[Any]:
    return list(dspy.settings.get("callbacks", None) or [])


def _set_callbacks(callbacks: list[Any]) -> None:
    try:
        dspy.settings.configure(callbacks=callbacks)
    except RuntimeError:
        # DSPy lets only the thread that first configured it call configure; from
        # another thread, the global list is changed in place (what configure sets).
        current = dspy.settings.get("callbacks", None)
        if isinstance(current, list):
            current[:] = callbacks
