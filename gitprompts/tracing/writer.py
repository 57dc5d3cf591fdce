"""The span writer: finished LangChain run trees become OpenTelemetry spans, off the hot path.

One daemon thread takes each finished tree from a queue, serialises its
values, finds the registry prompts each run used (a run's prompts are its
ancestors' too), and makes the spans with the times recorded during the
call, parent before child, then ends them. At most ``MAX_PENDING`` trees
wait; beyond that new ones are dropped (and counted), as the SDK's batch
processor drops spans, so a burst can never grow memory without end.
``flush()`` waits until everything submitted before it is made.

Needs the ``tracing`` extra.
"""

from __future__ import annotations

import atexit
import json
import logging
import queue
import threading
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from gitprompts.tracing import attributes as attr
from gitprompts.tracing.messages import message_text, reply_attributes, to_json
from gitprompts.tracing.usage import Candidate, Loads, described, matching

if TYPE_CHECKING:
    from gitprompts.tracing.handler import Node

log = logging.getLogger("gitprompts.tracing")
MAX_PENDING = 10_000


class SpanWriter:
    """Makes the spans of submitted run trees with ``tracer`` in a thread of its own."""

    def __init__(self, tracer: Tracer, loads: Loads) -> None:
        self.tracer = tracer
        self.loads = loads
        self.dropped = 0
        self._queue: queue.SimpleQueue[Node | threading.Event | None] = queue.SimpleQueue()
        self._pending = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- the caller's side -------------------------------------------------------

    def submit(self, root: Node) -> None:
        """Queue a finished tree (never blocks; drops it when ``MAX_PENDING`` are waiting)."""
        with self._lock:
            if self._closed or self._pending >= MAX_PENDING:
                self.dropped += 1
                return
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="gitprompts-span-writer", daemon=True
                )
                self._thread.start()
                atexit.register(self.close)
        self._queue.put(root)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every tree submitted so far has become spans."""
        if self._thread is None or not self._thread.is_alive():
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread (at exit, or when autolog is turned off)."""
        self.flush(timeout)
        with self._lock:
            self._closed = True
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)
        atexit.unregister(self.close)

    # -- the writer's thread -----------------------------------------------------

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                self.write(item)
            except Exception:  # a bad value must not stop tracing for the process
                log.exception("gitprompts: could not record a trace")
            finally:
                with self._lock:
                    self._pending -= 1

    def write(self, root: Node) -> None:
        """Make the spans of the tree under ``root``."""
        by_pins: dict[int, list[Candidate]] = {}
        attributes: dict[int, dict[str, Any]] = {}
        used: dict[int, tuple[list[Candidate], list[Candidate]]] = {}

        def visit(node: Node) -> list[Candidate]:
            found = self._attributes(node)
            key = id(node.pins)
            if key not in by_pins:
                by_pins[key] = self.loads.candidates(node.pins)
            direct: list[Candidate] = []
            if by_pins[key]:
                text = self._text(node, found)
                direct = matching(by_pins[key], text) if text else []
            hits = list(direct)
            for child in node.children:
                for hit in visit(child):
                    if hit not in hits:
                        hits.append(hit)
            attributes[id(node)] = found
            used[id(node)] = (direct, hits)
            return hits

        visit(root)
        self._make(root, root.context, attributes, used, root)

    def _make(
        self,
        node: Node,
        context: Any,
        attributes: dict[int, dict[str, Any]],
        used: dict[int, tuple[list[Candidate], list[Candidate]]],
        root: Node,
    ) -> None:
        if node.hidden:
            for child in node.children:
                self._make(child, context, attributes, used, root)
            return
        found = attributes[id(node)]
        found[attr.SPAN_KIND] = node.kind
        if node is root and node.pins is not None:
            found[attr.MODEL_ID] = node.pins.model
            found[attr.MODEL_URI] = f"models:/{node.pins.model}"
        if node is root and node.kind == "chain":
            found[attr.OPERATION] = "invoke_workflow"
        direct, hits = used[id(node)]
        # In full on the spans whose own text holds the prompt (and the root); their
        # ancestors list it in gitprompts.prompts (each attribute costs the SDK a check).
        found.update(described(hits, full=bool(direct) or node is root))
        span = self.tracer.start_span(
            node.name,
            context=context,
            kind=SpanKind.CLIENT if node.kind in ("llm", "chat_model") else SpanKind.INTERNAL,
            attributes=found,
            start_time=node.start_ns,
        )
        end = node.end_ns or node.start_ns
        if node.error is not None:
            error = node.error
            span.record_exception(error, timestamp=end)
            span.set_attribute(attr.ERROR_TYPE, type(error).__qualname__)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
        inner = trace.set_span_in_context(span, context)
        for child in node.children:
            self._make(child, inner, attributes, used, root)
        span.end(end_time=end)

    @staticmethod
    def _attributes(node: Node) -> dict[str, Any]:
        found = dict(node.attributes)
        params = found.get(attr.PARAMETERS)
        if params is not None:
            found[attr.PARAMETERS] = to_json(params)
        if node.sent is not None:
            found[attr.INPUT_MESSAGES] = attr.bounded(json.dumps(node.sent, ensure_ascii=False))
        if node.reply is not None:
            found.update(reply_attributes(node.reply))
        if node.kind == "tool":
            if node.has_outputs:
                content = getattr(node.outputs, "content", node.outputs)
                text = content if isinstance(content, str) else to_json(content)
                found[attr.TOOL_RESULT] = attr.bounded(text)
            return found
        if node.has_inputs:
            found[attr.INPUTS] = to_json(node.inputs)
        if node.has_outputs:
            found[attr.OUTPUTS] = to_json(node.outputs)
        return found

    @staticmethod
    def _text(node: Node, found: dict[str, Any]) -> str:
        """The text a run handled, where its prompts are looked for (JSON for chains)."""
        if node.sent is not None:
            return message_text(node.sent)
        keys = (attr.INPUTS, attr.OUTPUTS, attr.TOOL_ARGUMENTS, attr.TOOL_RESULT)
        return "\n".join(str(found[k]) for k in keys if k in found)
