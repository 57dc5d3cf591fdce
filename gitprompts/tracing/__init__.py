"""Tracing: OpenTelemetry spans of every model call, tied to the prompt versions it used.

``autolog()`` registers a LangChain callback handler for the whole process
(through LangChain's configure hook), so every runnable, and every model
loaded with ``gitprompts.*.load_model``, records a trace: one span per
chain/graph step, model call and tool call; a pyfunc model's ``predict`` is
a span too, the parent of whatever LangChain runs inside it. A span that used a registry
prompt names it (``gen_ai.prompt.name``, ``gitprompts.prompt.*``: the URI as
written, the version, for a loaded model the *pinned* one, and the file's
hashes); the root span of a loaded model's call carries its id.

The other flavors' libraries are traced too, each by a module of its own
(``FLAVORS``): every OpenAI chat completion (``tracing/openai.py``), DSPy
module and LM call (``tracing/dspy.py``), LlamaIndex step
(``tracing/llama_index.py``); a library not imported yet is hooked when the
application imports it (``tracing/imports.py``). ``flavor_autolog`` turns
one on or off (``gitprompts.openai.autolog()``...).

Where spans go:

- the application's tracer provider, when it set one
  (``opentelemetry.trace.set_tracer_provider``) or passed ``tracer_provider=``;
- otherwise a provider of our own, exporting over OTLP/HTTP when
  ``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` is set;
- and in both cases (unless ``local=False``) the local trace store,
  ``$GITPROMPTS_HOME/traces`` (``gitprompts traces list``, ``gitprompts serve``).

Needs the ``tracing`` extra: ``pip install 'gitprompts[tracing]'``.

>>> gitprompts.autolog()                 # doctest: +SKIP
>>> graph = gitprompts.langchain.load_model("models:/3f9c2a1")   # doctest: +SKIP
>>> graph.invoke({"messages": [...]})    # doctest: +SKIP
>>> gitprompts.autolog(disable=True)     # doctest: +SKIP
"""

from __future__ import annotations

import functools
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gitprompts.errors import ModelError

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import SpanProcessor
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import TracerProvider

    from gitprompts.tracing.handler import SpanHandler
    from gitprompts.tracing.usage import Loads
    from gitprompts.tracing.writer import SpanWriter

__all__ = ["autolog", "flavor_autolog", "flush", "is_enabled", "require_langchain"]

EXTRA = "pip install 'gitprompts[tracing]'"
TRACER_NAME = "gitprompts"
# Flavors whose library calls are traced by a module of ours (LangChain's are the
# handler's): flavor -> (the library it needs, the module with enable/disable, its extra).
FLAVORS = {
    "openai": ("openai", "gitprompts.tracing.openai", "openai"),
    "dspy": ("dspy", "gitprompts.tracing.dspy", "dspy"),
    "llama_index": ("llama_index.core", "gitprompts.tracing.llama_index", "llama-index"),
}


@dataclass
class _State:
    provider: Any
    owned: bool  # we made the provider (so we may shut it down)
    processors: list[SpanProcessor]
    handler: SpanHandler | None  # None: LangChain is not installed
    writer: SpanWriter
    loads: Loads
    hook: Any  # the ContextVar LangChain's configure hook reads
    tracer: Any = None
    flavors: set[str] | None = None  # traced by FLAVORS modules


_lock = threading.Lock()
_state: _State | None = None


def _require() -> None:
    try:
        import opentelemetry.sdk.trace  # noqa: F401
    except ImportError as exc:
        raise ModelError(
            f"tracing needs OpenTelemetry, which is not installed here ({exc}): {EXTRA}"
        ) from None


def require_langchain() -> None:
    """Raise ``ModelError`` naming the extras when LangChain cannot be imported."""
    if not _has_langchain():
        raise ModelError(
            "tracing LangChain needs LangChain, which is not installed here: "
            "pip install 'gitprompts[langchain,tracing]'"
        )


def _has_langchain() -> bool:
    return _installed("langchain_core")


def _installed(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _flavor_module(flavor: str) -> Any:
    import importlib

    return importlib.import_module(FLAVORS[flavor][1])


def flavor_autolog(flavor: str, disable: bool = False) -> None:
    """Turn one flavor's tracing on (starting tracing if it is off) or off; the facades'
    ``gitprompts.openai.autolog()``, ``gitprompts.dspy.autolog()``... call it.

    >>> gitprompts.tracing.flavor_autolog("openai")   # doctest: +SKIP
    """
    library, _, extra = FLAVORS[flavor]
    if disable:
        with _lock:
            state = _state
            if state is None or state.flavors is None or flavor not in state.flavors:
                return
            state.flavors.discard(flavor)
        _disable_flavor(flavor)
        return
    _require()
    if not _installed(library):
        raise ModelError(
            f"tracing {flavor} needs {library}, which is not installed here: "
            f"pip install 'gitprompts[{extra},tracing]'"
        )
    state = _state
    if state is None:
        autolog(flavors=(flavor,))
        return
    from gitprompts.tracing import imports

    with _lock:
        if state.flavors is not None:
            state.flavors.add(flavor)
    imports.when_imported(library, functools.partial(_late_enable, flavor))


def _provider(tracer_provider: TracerProvider | None) -> tuple[Any, bool]:
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider

    if tracer_provider is not None:
        return tracer_provider, False
    current = trace.get_tracer_provider()
    # The API's placeholders (a proxy until something is set, or a no-op) mean
    # the application did not configure tracing: we make our own provider, and
    # do not make it global (a later set_tracer_provider of the application's
    # would then be refused with a warning).
    if type(current).__name__ not in ("ProxyTracerProvider", "NoOpTracerProvider"):
        return current, False
    return SdkTracerProvider(resource=Resource.create({"service.name": "gitprompts"})), True


def autolog(
    disable: bool = False,
    *,
    tracer_provider: TracerProvider | None = None,
    local: bool = True,
    flavors: tuple[str, ...] | None = None,
) -> None:
    """Trace every LangChain/LangGraph call, OpenAI chat completion, DSPy module and LM
    call and every loaded model's ``predict`` in this process (``disable=True`` stops it).

    ``tracer_provider``: an OpenTelemetry SDK provider to make spans with
    (default: the global one the application set, else our own, with OTLP
    export when the ``OTEL_*`` variables name an endpoint). ``local``: also
    keep spans in the local trace store. ``flavors``: of ``FLAVORS``, those to trace
    (default: every one whose library is installed). Calling it again reconfigures.

    >>> gitprompts.langchain.autolog()   # doctest: +SKIP
    """
    global _state
    if disable:
        with _lock:
            state, _state = _state, None
        if state is not None:
            _stop(state)
        return
    _require()
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from gitprompts.models import pins
    from gitprompts.tracing import imports, pyfunc
    from gitprompts.tracing.exporters import StoreExporter, otlp_exporter
    from gitprompts.tracing.store import TraceStore
    from gitprompts.tracing.usage import Loads
    from gitprompts.tracing.writer import SpanWriter

    with _lock:
        old, _state = _state, None
    if old is not None:
        _stop(old)
    provider, owned = _provider(tracer_provider)
    processors: list[SpanProcessor] = []
    exporters: list[SpanExporter] = [StoreExporter(TraceStore())] if local else []
    if owned:
        otlp = otlp_exporter()
        if otlp is not None:
            exporters.append(otlp)
    for exporter in exporters:
        # Off the hot path: the call only queues the span; a worker thread
        # writes batches (every 1 s, or at 512 spans).
        processor = BatchSpanProcessor(exporter, schedule_delay_millis=1000)
        add = getattr(provider, "add_span_processor", None)
        if add is None:
            break  # not an SDK provider: it exports as it was configured to
        add(processor)
        processors.append(processor)
    loads = Loads()
    tracer = provider.get_tracer(TRACER_NAME)
    writer = SpanWriter(tracer, loads)
    handler = hook = None
    if _has_langchain():
        from langchain_core.tracers.context import register_configure_hook

        from gitprompts.tracing.handler import SpanHandler, hook_variable

        handler = SpanHandler(writer)
        hook = hook_variable(handler)
        register_configure_hook(hook, inheritable=True)
    pyfunc.enable(tracer, loads)
    pins.observe(loads)
    chosen = {f for f in FLAVORS if _installed(FLAVORS[f][0])} if flavors is None else set(flavors)
    with _lock:
        _state = _State(provider, owned, processors, handler, writer, loads, hook, tracer, chosen)
    for flavor in sorted(chosen):
        # A library not imported yet is hooked when the application imports it:
        # importing DSPy and LlamaIndex here would cost ~3 s.
        imports.when_imported(FLAVORS[flavor][0], functools.partial(_late_enable, flavor))


def _late_enable(flavor: str) -> None:
    state = _state
    if state is not None and state.flavors is not None and flavor in state.flavors:
        _flavor_module(flavor).enable(state.tracer, state.loads)


def _disable_flavor(flavor: str) -> None:
    from gitprompts.tracing import imports

    imports.cancel(FLAVORS[flavor][0])
    module = sys.modules.get(FLAVORS[flavor][1])  # never imported: nothing to switch off
    if module is not None:
        module.disable()


def _stop(state: _State) -> None:
    from gitprompts.models import pins
    from gitprompts.tracing import pyfunc

    pins.unobserve(state.loads)
    pyfunc.disable()
    for flavor in sorted(state.flavors or ()):
        _disable_flavor(flavor)
    if state.handler is not None:
        from langchain_core.tracers import context as lc_context

        # LangChain has no way to unregister a hook; its list is private, so this is
        # guarded: should it move, the hook stays and the handler is switched off.
        state.handler.enabled = False
        hooks = getattr(lc_context, "_configure_hooks", None)
        if isinstance(hooks, list):
            hooks[:] = [h for h in hooks if h[0] is not state.hook]
    state.writer.close()
    for processor in state.processors:
        # Ours even on the application's provider (which has no way to remove one):
        # shut down, it drops whatever it is handed later.
        processor.shutdown()
    if state.owned:
        state.provider.shutdown()


def flush(timeout_millis: int = 30_000) -> bool:
    """Write out every span still queued (the CLI and tests call it; exit does it too)."""
    state = _state
    if state is None:
        return True
    written = state.writer.flush(timeout_millis / 1000)
    return written and all(p.force_flush(timeout_millis) for p in state.processors)


def is_enabled() -> bool:
    """True between ``autolog()`` and ``autolog(disable=True)``."""
    return _state is not None
