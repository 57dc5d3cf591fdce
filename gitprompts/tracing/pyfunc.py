"""Spans for models called through ``predict``: one span per call, the parent of what they do.

``autolog()`` wraps ``predict`` of the objects the flavors' ``load_model``
return (pyfunc's ``PyFuncModel``, the openai flavor's ``OpenAIModel``, the
llama_index flavor's ``LoadedIndex``) once per process; the wrapper costs one
module-global check while tracing is off. The span is made on the caller's thread and made current
for the call, so LangChain runs inside the model (and any OpenTelemetry
instrumentation the application has) become its children. It carries the
model id, the inputs and outputs, the error if any, and the prompt versions
the model's pins served whose text is in the inputs or outputs.

Needs the ``tracing`` extra.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode, Tracer

from gitprompts.models.flavors.llama_index import LoadedIndex
from gitprompts.models.flavors.openai import OpenAIModel
from gitprompts.models.flavors.pyfunc import PyFuncModel
from gitprompts.models.pins import PinSet
from gitprompts.tracing import attributes as attr
from gitprompts.tracing.messages import to_json
from gitprompts.tracing.usage import Loads, described, matching

MODEL_CLASSES: tuple[type[Any], ...] = (PyFuncModel, OpenAIModel, LoadedIndex)
_wrapped: set[type[Any]] = set()
_active: tuple[Tracer, Loads] | None = None
# The pins of the model whose traced predict is running in this context: a chat
# span inside (tracing/openai.py) names the versions they pinned.
_calling: ContextVar[PinSet | None] = ContextVar("gitprompts_tracing_predict_pins", default=None)


def current_pins() -> PinSet | None:
    """The pins of the loaded model whose ``predict`` is running here (traced), or None."""
    return _calling.get()


def enable(tracer: Tracer, loads: Loads) -> None:
    """Trace ``predict`` of every loaded model with ``tracer`` from now on."""
    global _active
    for cls in MODEL_CLASSES:
        if cls not in _wrapped:
            cls.predict = _traced(cls.predict)
            _wrapped.add(cls)
    _active = (tracer, loads)


def disable() -> None:
    """Stop tracing ``predict`` (the wrapper stays, switched off)."""
    global _active
    _active = None


def _traced(predict: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(predict)
    def traced(self: Any, data: Any, params: dict[str, Any] | None = None) -> Any:
        active = _active
        if active is None:
            return predict(self, data, params)
        tracer, loads = active
        pins = getattr(self, "_pins", None)
        start = {attr.SPAN_KIND: "model", attr.OPERATION: "invoke_workflow"}
        if pins is not None:
            start[attr.MODEL_ID] = pins.model
            start[attr.MODEL_URI] = f"models:/{pins.model}"
        # The openai flavor's spec names the model it calls.
        model_name = getattr(getattr(self, "spec", None), "model", None)
        if isinstance(model_name, str):
            start[attr.REQUEST_MODEL] = model_name
        span = tracer.start_span("predict", attributes=start)
        token = otel_context.attach(trace.set_span_in_context(span))
        calling = _calling.set(pins)
        result: Any = None
        try:
            result = predict(self, data, params)
            return result
        except BaseException as error:
            span.record_exception(error)
            span.set_attribute(attr.ERROR_TYPE, type(error).__qualname__)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
            raise
        finally:
            _calling.reset(calling)
            otel_context.detach(token)
            found = {attr.INPUTS: to_json(data), attr.OUTPUTS: to_json(result)}
            # A logged model's pinned prompts are its own: an openai model builds its
            # messages inside predict, so their text is in neither inputs nor outputs.
            text = f"{found[attr.INPUTS]}\n{found[attr.OUTPUTS]}"
            candidates = loads.candidates(pins, every_pin=True)
            hits = candidates if pins is not None else matching(candidates, text)
            found.update(described(hits))
            span.set_attributes(found)
            span.end()

    return traced
