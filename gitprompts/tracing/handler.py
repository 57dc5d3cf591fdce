"""The LangChain callback handler: it notes each run, and hands finished traces to the writer.

One span per chain or graph step, LLM or chat-model call, tool call and
retriever call, parented as LangChain nests them (and, for a top-level run,
under the application's span that is current when it starts). On the
caller's thread the handler only records what LangChain hands it (the
objects themselves, the times, the pins of the loaded model in use); when a
top-level run ends, its whole tree goes to the ``SpanWriter``, whose thread
serialises the values, finds the prompts used and makes the OpenTelemetry
spans with the recorded times. An OpenTelemetry SDK span costs 15-50 µs to
make on a 2-core machine, a LangGraph call makes four or more: made on the
caller's thread they alone would take most of the 1 ms budget.

Runs LangChain marks hidden (``langsmith:hidden``) get no span; their
children attach to the nearest shown ancestor.

Needs the ``tracing`` and ``langchain`` extras.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from opentelemetry import context as otel_context

from gitprompts.models import pins
from gitprompts.tracing import attributes as attr
from gitprompts.tracing import calls
from gitprompts.tracing.messages import message_json

if TYPE_CHECKING:
    from gitprompts.tracing.writer import SpanWriter

HIDDEN = "langsmith:hidden"
# Invocation parameters named by the GenAI conventions.
_REQUEST = {
    "temperature": attr.REQUEST_TEMPERATURE,
    "max_tokens": attr.REQUEST_MAX_TOKENS,
    "max_completion_tokens": attr.REQUEST_MAX_TOKENS,
    "top_p": attr.REQUEST_TOP_P,
    "top_k": attr.REQUEST_TOP_K,
    "seed": attr.REQUEST_SEED,
}
_UNSET: Any = object()
# Runs started and not yet ended. A run whose end never comes (a stream the
# caller abandoned) stays here; past this many, new runs are not traced rather
# than letting the table grow without end.
MAX_OPEN_RUNS = 10_000


@dataclass(eq=False)
class Node:
    """One LangChain run as recorded on the caller's thread (values still raw)."""

    name: str
    kind: str  # chain | llm | chat_model | tool | retriever
    start_ns: int
    parent: Node | None
    pins: pins.PinSet | None
    attributes: dict[str, Any]
    hidden: bool = False
    context: Any = None  # a root's: the OpenTelemetry context current when it started
    inputs: Any = _UNSET
    outputs: Any = _UNSET
    sent: list[dict[str, Any]] | None = None  # a model call's messages, as sent
    reply: Any = None  # a model call's LLMResult
    marked: Any = None  # a model call's token from calls.enter_langchain_model
    end_ns: int = 0
    error: BaseException | None = None
    children: list[Node] = field(default_factory=list)

    @property
    def has_inputs(self) -> bool:
        return self.inputs is not _UNSET

    @property
    def has_outputs(self) -> bool:
        return self.outputs is not _UNSET


class SpanHandler(BaseCallbackHandler):
    """Records each LangChain run as a ``Node``; finished trees go to ``writer``."""

    run_inline = True  # called in the run's own thread/task: no executor hop
    raise_error = False

    def __init__(self, writer: SpanWriter) -> None:
        self.writer = writer
        self.enabled = True
        self._runs: dict[UUID, Node] = {}

    # -- run life ----------------------------------------------------------------

    def _start(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        name: str,
        kind: str,
        tags: list[str] | None,
        attributes: dict[str, Any],
    ) -> Node | None:
        if not self.enabled or len(self._runs) >= MAX_OPEN_RUNS:
            return None
        parent = self._runs.get(parent_run_id) if parent_run_id is not None else None
        active = pins.current()
        node = Node(
            name=name,
            kind=kind,
            start_ns=time.time_ns(),
            parent=parent,
            pins=active if active is not None or parent is None else parent.pins,
            attributes=attributes,
            hidden=bool(parent is not None and tags and HIDDEN in tags),
        )
        if parent is None:
            node.context = otel_context.get_current()
        else:
            parent.children.append(node)
        self._runs[run_id] = node
        return node

    def _end(self, run_id: UUID) -> Node | None:
        node = self._runs.pop(run_id, None)
        if node is None:
            return None
        node.end_ns = time.time_ns()
        if node.marked is not None:
            calls.leave_langchain_model(node.marked)
        if node.parent is None:
            self.writer.submit(node)
        return node

    def _fail(self, run_id: UUID, error: BaseException) -> None:
        node = self._runs.get(run_id)
        if node is not None:
            node.error = error
        self._end(run_id)

    # -- chains (graphs, graph nodes, prompt templates, parsers) -----------------

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        name = kwargs.get("name") or _name(serialized, "chain")
        node = self._start(run_id, parent_run_id, name, "chain", tags, {})
        if node is not None:
            node.inputs = inputs

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        node = self._runs.get(run_id)
        if node is not None:
            node.outputs = outputs
        self._end(run_id)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._fail(run_id, error)

    # -- models ------------------------------------------------------------------

    def _model_start(
        self,
        serialized: dict[str, Any] | None,
        sent: list[dict[str, Any]],
        operation: str,
        run_id: UUID,
        parent_run_id: UUID | None,
        tags: list[str] | None,
        metadata: dict[str, Any] | None,
        kwargs: dict[str, Any],
    ) -> None:
        if not self.enabled:
            return
        params = dict(kwargs.get("invocation_params") or {})
        meta = metadata or {}
        model = str(
            params.get("model")
            or params.get("model_name")
            or meta.get("ls_model_name")
            or params.get("_type")
            or _name(serialized, "model")
        )
        attributes: dict[str, Any] = {
            attr.OPERATION: operation,
            attr.REQUEST_MODEL: model,
            # Credentials are dropped here, before anything keeps the parameters.
            attr.PARAMETERS: attr.redact(params),
        }
        provider = meta.get("ls_provider") or params.get("_type")
        if provider:
            attributes[attr.PROVIDER] = str(provider)
        for key, name in _REQUEST.items():
            value = params.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                attributes[name] = value
        stop = params.get("stop")
        if isinstance(stop, list) and all(isinstance(s, str) for s in stop):
            attributes[attr.REQUEST_STOP] = list(stop)
        kind = "chat_model" if operation == "chat" else "llm"
        node = self._start(run_id, parent_run_id, f"{operation} {model}", kind, tags, attributes)
        if node is not None:
            node.sent = sent
            node.marked = calls.enter_langchain_model()

    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[Any]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        # Converted now: the caller may reuse the list once the call returns.
        sent = [message_json(m) for batch in messages for m in batch] if self.enabled else []
        self._model_start(serialized, sent, "chat", run_id, parent_run_id, tags, metadata, kwargs)

    def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        sent = [{"role": "user", "parts": [{"type": "text", "content": p}]} for p in prompts]
        self._model_start(
            serialized, sent, "text_completion", run_id, parent_run_id, tags, metadata, kwargs
        )

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        node = self._runs.get(run_id)
        if node is not None:
            node.reply = response
        self._end(run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._fail(run_id, error)

    # -- tools and retrievers ----------------------------------------------------

    def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        name = kwargs.get("name") or _name(serialized, "tool")
        attributes = {
            attr.OPERATION: "execute_tool",
            attr.TOOL_NAME: name,
            attr.TOOL_ARGUMENTS: attr.bounded(str(input_str)),
        }
        self._start(run_id, parent_run_id, f"execute_tool {name}", "tool", tags, attributes)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        node = self._runs.get(run_id)
        if node is not None:
            node.outputs = output
        self._end(run_id)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._fail(run_id, error)

    def on_retriever_start(
        self,
        serialized: dict[str, Any] | None,
        query: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        name = kwargs.get("name") or _name(serialized, "retriever")
        attributes = {attr.OPERATION: "retrieval"}
        label = f"retrieval {name}"
        node = self._start(run_id, parent_run_id, label, "retriever", tags, attributes)
        if node is not None:
            node.inputs = query

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kwargs: Any) -> None:
        node = self._runs.get(run_id)
        if node is not None:
            node.outputs = documents
        self._end(run_id)

    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._fail(run_id, error)


def hook_variable(handler: SpanHandler) -> ContextVar[SpanHandler | None]:
    """The variable LangChain's configure hook reads: its default is ``handler``, so every
    thread and task sees it (a value set in one thread would not reach a new one).
    """
    return ContextVar(f"gitprompts_tracing_{id(handler)}", default=handler)


def _name(serialized: dict[str, Any] | None, default: str) -> str:
    if not serialized:
        return default
    name = serialized.get("name")
    if isinstance(name, str) and name:
        return name
    ident = serialized.get("id")
    if isinstance(ident, list) and ident:
        return str(ident[-1])
    return default
