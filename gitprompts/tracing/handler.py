"""The LangChain callback handler that turns runs into OpenTelemetry spans.

One span per chain or graph step, LLM or chat-model call, tool call and
retriever call, parented as LangChain nests them (and under the
application's current span, if any, for a top-level run). A chat-model span
holds the messages exactly as sent (``gen_ai.input.messages``), the reply,
the model name and parameters (credentials redacted), token usage when the
provider reports it, and the registry prompts it used; an error is recorded
with its exception. Runs LangChain marks hidden (``langsmith:hidden``, e.g.
LangGraph's channel writes) get no span; their children attach to the
nearest shown ancestor.

Needs the ``tracing`` and ``langchain`` extras.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

from gitprompts.models import pins
from gitprompts.tracing import attributes as attr
from gitprompts.tracing.usage import Candidate, Loads, described, matching

HIDDEN = "langsmith:hidden"
_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
# Invocation parameters named by the GenAI conventions.
_REQUEST = {
    "temperature": attr.REQUEST_TEMPERATURE,
    "max_tokens": attr.REQUEST_MAX_TOKENS,
    "max_completion_tokens": attr.REQUEST_MAX_TOKENS,
    "top_p": attr.REQUEST_TOP_P,
    "top_k": attr.REQUEST_TOP_K,
    "seed": attr.REQUEST_SEED,
}


def _jsonable(value: Any) -> Any:
    message_type = getattr(value, "type", None)
    if isinstance(message_type, str) and hasattr(value, "content"):
        return {"type": message_type, "content": value.content}
    for method in ("model_dump", "dict"):
        dump = getattr(value, method, None)
        if callable(dump):
            try:
                return dump()
            except Exception:
                break
    return repr(value)


def to_json(value: Any) -> str:
    """``value`` as bounded JSON text (LangChain messages as ``{type, content}``)."""
    try:
        text = json.dumps(value, default=_jsonable, ensure_ascii=False)
    except (TypeError, ValueError):
        text = json.dumps(repr(value), ensure_ascii=False)
    return attr.bounded(text)


def _parts(message: Any) -> list[dict[str, Any]]:
    content = getattr(message, "content", message)
    parts: list[dict[str, Any]] = []
    if isinstance(content, str):
        if content:
            parts.append({"type": "text", "content": content})
    elif isinstance(content, list):
        for piece in content:
            if isinstance(piece, str):
                parts.append({"type": "text", "content": piece})
            elif isinstance(piece, dict) and piece.get("type") == "text":
                parts.append({"type": "text", "content": piece.get("text", "")})
            else:
                parts.append({"type": "other", "content": _jsonable(piece)})
    for call in getattr(message, "tool_calls", None) or []:
        parts.append(
            {
                "type": "tool_call",
                "id": call.get("id"),
                "name": call.get("name"),
                "arguments": call.get("args"),
            }
        )
    return parts


def strings(value: Any, limit: int = 256) -> str:
    """The text in ``value``: its strings and message contents, one per line (at most ``limit``).

    >>> strings({"messages": [{"role": "system", "content": "Be brief."}], "n": 1})
    'system\nBe brief.'
    """
    found: list[str] = []
    stack = [value]
    while stack and len(found) < limit:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif hasattr(item, "content"):
            stack.append(item.content)
        elif hasattr(item, "messages"):  # a ChatPromptValue
            stack.append(item.messages)
        elif hasattr(item, "text") and isinstance(item.text, str):  # a StringPromptValue
            stack.append(item.text)
    return "\n".join(found)


def message_json(message: Any) -> dict[str, Any]:
    """A LangChain message in the GenAI conventions' shape: ``{role, parts}``."""
    kind = getattr(message, "type", "user")
    return {"role": _ROLES.get(kind, kind), "parts": _parts(message)}


def _text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(
        str(p.get("content", "")) for m in messages for p in m["parts"] if p["type"] == "text"
    )


@dataclass
class _Run:
    span: Span | None  # None: a hidden run, standing for its nearest shown ancestor
    context: Any  # the OpenTelemetry context children start in
    pins: pins.PinSet | None
    candidates: list[Candidate] | None = None
    text: str = ""  # the strings of a chain's inputs, to find the prompts it used
    parent: _Run | None = None
    used: list[Candidate] | None = None  # the prompts it or a descendant used


class SpanHandler(BaseCallbackHandler):
    """Makes a span per LangChain run with ``tracer``; loads seen through ``loads``."""

    run_inline = True  # called in the run's own thread/task: parents are known, no executor hop
    raise_error = False

    def __init__(self, tracer: Tracer, loads: Loads) -> None:
        self.tracer = tracer
        self.loads = loads
        self.enabled = True
        self._runs: dict[UUID, _Run] = {}

    # -- span life -------------------------------------------------------------

    def _start(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        name: str,
        kind: str,
        tags: list[str] | None,
        attributes: dict[str, Any],
    ) -> _Run:
        parent = self._runs.get(parent_run_id) if parent_run_id is not None else None
        if not self.enabled:
            run = _Run(None, None, None)
            return run
        active = pins.current()
        run_pins = active if active is not None else (parent.pins if parent else None)
        if parent is None and parent_run_id is None:
            context = otel_context.get_current()
        else:
            context = parent.context if parent is not None else None
        if tags and HIDDEN in tags and parent is not None:
            run = _Run(None, context, run_pins, parent=parent)
            self._runs[run_id] = run
            return run
        attributes[attr.SPAN_KIND] = kind
        if parent is None and run_pins is not None:
            attributes[attr.MODEL_ID] = run_pins.model
            attributes[attr.MODEL_URI] = f"models:/{run_pins.model}"
        span = self.tracer.start_span(
            name,
            context=context,
            kind=SpanKind.CLIENT if kind in ("llm", "chat_model") else SpanKind.INTERNAL,
            attributes=attributes,
        )
        run = _Run(span, trace.set_span_in_context(span, context), run_pins, parent=parent)
        self._runs[run_id] = run
        return run

    def _candidates(self, run: _Run) -> list[Candidate]:
        if run.candidates is None:
            run.candidates = self.loads.candidates(run.pins)
        return run.candidates

    def _use(self, run: _Run, hits: list[Candidate]) -> None:
        """Record that ``run`` used ``hits``; its ancestors used them too."""
        node: _Run | None = run
        while node is not None:
            if node.used is None:
                node.used = []
            node.used.extend(h for h in hits if h not in node.used)
            node = node.parent

    def _end(self, run_id: UUID, attributes: dict[str, Any], text: str = "") -> None:
        run = self._runs.pop(run_id, None)
        if run is None or run.span is None:
            return
        if text:
            candidates = self._candidates(run)
            if candidates:
                self._use(run, matching(candidates, text))
        if run.used:
            attributes.update(described(run.used))
        run.span.set_attributes(attributes)
        run.span.end()

    def _fail(self, run_id: UUID, error: BaseException) -> None:
        run = self._runs.pop(run_id, None)
        if run is None or run.span is None:
            return
        run.span.record_exception(error)
        run.span.set_attribute(attr.ERROR_TYPE, type(error).__qualname__)
        run.span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
        run.span.end()

    # -- chains (graphs, graph nodes, prompt templates, parsers) --------------

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
        attributes: dict[str, Any] = {attr.INPUTS: to_json(inputs)}
        if parent_run_id is None:
            attributes[attr.OPERATION] = "invoke_workflow"
        run = self._start(run_id, parent_run_id, name, "chain", tags, attributes)
        if run.span is not None:
            run.text = strings(inputs)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.get(run_id)
        if run is None or run.span is None:
            self._runs.pop(run_id, None)
            return
        self._end(run_id, {attr.OUTPUTS: to_json(outputs)}, f"{run.text}\n{strings(outputs)}")

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._fail(run_id, error)

    # -- models ------------------------------------------------------------------

    def _model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[dict[str, Any]],
        operation: str,
        run_id: UUID,
        parent_run_id: UUID | None,
        tags: list[str] | None,
        metadata: dict[str, Any] | None,
        kwargs: dict[str, Any],
    ) -> None:
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
            attr.INPUT_MESSAGES: attr.bounded(json.dumps(messages, ensure_ascii=False)),
            attr.PARAMETERS: to_json(attr.redact(params)),
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
            attributes[attr.REQUEST_STOP] = stop
        kind = "chat_model" if operation == "chat" else "llm"
        run = self._start(run_id, parent_run_id, f"{operation} {model}", kind, tags, attributes)
        if run.span is not None:
            hits = matching(self._candidates(run), _text(messages))
            if hits:
                self._use(run, hits)

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
        sent = [message_json(m) for batch in messages for m in batch]
        self._model_start(
            serialized, sent, "chat", run_id, parent_run_id, tags, metadata, kwargs
        )

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
        attributes: dict[str, Any] = {}
        outputs = []
        reasons = []
        input_tokens = output_tokens = None
        for batch in response.generations or []:
            for generation in batch:
                message = getattr(generation, "message", None)
                if message is not None:
                    outputs.append(message_json(message))
                    usage = getattr(message, "usage_metadata", None) or {}
                    if usage:
                        input_tokens = (input_tokens or 0) + int(usage.get("input_tokens", 0))
                        output_tokens = (output_tokens or 0) + int(usage.get("output_tokens", 0))
                else:
                    outputs.append(
                        {"role": "assistant", "parts": [{"type": "text", "content": generation.text}]}
                    )
                info = generation.generation_info or {}
                reason = info.get("finish_reason")
                if isinstance(reason, str):
                    reasons.append(reason)
        llm_output = response.llm_output or {}
        token_usage = llm_output.get("token_usage") or llm_output.get("usage") or {}
        if input_tokens is None and isinstance(token_usage, dict) and token_usage:
            input_tokens = token_usage.get("prompt_tokens", token_usage.get("input_tokens"))
            output_tokens = token_usage.get("completion_tokens", token_usage.get("output_tokens"))
        if isinstance(input_tokens, int):
            attributes[attr.INPUT_TOKENS] = input_tokens
        if isinstance(output_tokens, int):
            attributes[attr.OUTPUT_TOKENS] = output_tokens
        model_name = llm_output.get("model_name") or llm_output.get("model")
        if isinstance(model_name, str):
            attributes[attr.RESPONSE_MODEL] = model_name
        if reasons:
            attributes[attr.FINISH_REASONS] = reasons
        attributes[attr.OUTPUT_MESSAGES] = attr.bounded(json.dumps(outputs, ensure_ascii=False))
        self._end(run_id, attributes)

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
        content = getattr(output, "content", output)
        text = content if isinstance(content, str) else to_json(content)
        self._end(run_id, {attr.TOOL_RESULT: attr.bounded(text)})

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
        attributes = {attr.OPERATION: "retrieval", attr.INPUTS: attr.bounded(query)}
        self._start(run_id, parent_run_id, f"retrieval {name}", "retriever", tags, attributes)

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, {attr.OUTPUTS: to_json(documents)})

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
