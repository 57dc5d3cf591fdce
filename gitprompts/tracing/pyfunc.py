"""Spans for pyfunc models: one ``predict`` span per call, the parent of what the model does.

``autolog()`` wraps ``PyFuncModel.predict`` (the object ``gitprompts.pyfunc.load_model``
returns) once per process; the wrapper costs one module-global check while
tracing is off. The span is made on the caller's thread and made current
for the call, so LangChain runs inside the model (and any OpenTelemetry
instrumentation the application has) become its children. It carries the
model id, the inputs and outputs, the error if any, and the prompt versions
the model's pins served whose text is in the inputs or outputs.

Needs the ``tracing`` extra.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode, Tracer

from gitprompts.models.flavors.pyfunc import PyFuncModel
from gitprompts.tracing import attributes as attr
from gitprompts.tracing.messages import to_json
from gitprompts.tracing.usage import Loads, described, matching

_original: Callable[..., Any] | None = None
_active: tuple[Tracer, Loads] | None = None


def enable(tracer: Tracer, loads: Loads) -> None:
    """Trace ``predict`` of every pyfunc model with ``tracer`` from now on."""
    global _original, _active
    if _original is None:
        _original = PyFuncModel.predict
        PyFuncModel.predict = _traced(_original)  # type: ignore[method-assign]
    _active = (tracer, loads)


def disable() -> None:
    """Stop tracing ``predict`` (the wrapper stays, switched off)."""
    global _active
    _active = None


def _traced(predict: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(predict)
    def traced(self: PyFuncModel, data: Any, params: dict[str, Any] | None = None) -> Any:
        active = _active
        if active is None:
            return predict(self, data, params)
        tracer, loads = active
        model_id = self._pins.model
        span = tracer.start_span(
            "predict",
            attributes={
                attr.SPAN_KIND: "model",
                attr.OPERATION: "invoke_workflow",
                attr.MODEL_ID: model_id,
                attr.MODEL_URI: f"models:/{model_id}",
            },
        )
        token = otel_context.attach(trace.set_span_in_context(span))
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
            otel_context.detach(token)
            found = {attr.INPUTS: to_json(data), attr.OUTPUTS: to_json(result)}
            hits = matching(
                loads.candidates(self._pins), f"{found[attr.INPUTS]}\n{found[attr.OUTPUTS]}"
            )
            found.update(described(hits))
            span.set_attributes(found)
            span.end()

    return traced
