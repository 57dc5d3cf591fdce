"""Where finished spans go: the local trace store, and OTLP/HTTP when ``OTEL_*`` says so.

Both are OpenTelemetry SDK ``SpanExporter``s behind a ``BatchSpanProcessor``:
the call that made the spans only queues them (a few µs); a background
thread converts and writes them in batches. A full queue drops spans, never
blocks (the SDK's rule), so a slow disk or an unreachable collector cannot
slow the user's call.

Needs the ``tracing`` extra: ``pip install 'gitprompts[tracing]'``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import StatusCode

from gitprompts.errors import GitPromptsError, TraceExportWarning
from gitprompts.tracing.store import SpanEvent, SpanRecord, Status, TraceStore

log = logging.getLogger("gitprompts.tracing")

_STATUS: dict[StatusCode, Status] = {
    StatusCode.UNSET: "unset",
    StatusCode.OK: "ok",
    StatusCode.ERROR: "error",
}
# After a failed export, batches are dropped unsent for this long: a collector
# that is down would otherwise cost each batch the exporter's full retry
# timeout (10 s by default) in the worker thread, and as much again at exit.
RETRY_AFTER_SECONDS = 30.0
OTLP_LOGGER = "opentelemetry.exporter.otlp.proto.http.trace_exporter"
HTTP_LOGGER = "opentelemetry.exporter.otlp.common.http"


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def record(span: ReadableSpan) -> SpanRecord:
    """The stored form of a finished SDK span."""
    context = span.context
    assert context is not None
    parent = span.parent
    return SpanRecord(
        trace_id=format(context.trace_id, "032x"),
        span_id=format(context.span_id, "016x"),
        parent_id=format(parent.span_id, "016x") if parent is not None else "",
        name=span.name,
        start_ns=span.start_time or 0,
        end_ns=span.end_time or span.start_time or 0,
        status=_STATUS.get(span.status.status_code, "unset"),
        status_message=span.status.description or "",
        attributes={k: _plain(v) for k, v in (span.attributes or {}).items()},
        events=[
            SpanEvent(
                name=event.name,
                time_ns=event.timestamp,
                attributes={k: _plain(v) for k, v in (event.attributes or {}).items()},
            )
            for event in span.events
        ],
    )


class StoreExporter(SpanExporter):
    """Writes batches of spans into a ``TraceStore`` (one transaction per batch)."""

    def __init__(self, store: TraceStore) -> None:
        self.store = store
        self._warned = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            self.store.add([record(s) for s in spans])
        except GitPromptsError as exc:
            if not self._warned:
                self._warned = True
                log.warning("spans dropped: %s", exc)
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.store.close()


class _Quiet(logging.Filter):
    """Drops the OTLP exporter's per-batch error lines: ``TraceExportWarning`` says it once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.WARNING


class DroppingExporter(SpanExporter):
    """An exporter that drops batches (and warns once) while its endpoint is failing."""

    def __init__(self, inner: SpanExporter, endpoint: str) -> None:
        self.inner = inner
        self.endpoint = endpoint
        self._down_until = 0.0
        self._warned = False
        self._lock = threading.Lock()
        for name in (OTLP_LOGGER, HTTP_LOGGER):
            logging.getLogger(name).addFilter(_Quiet())

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if time.monotonic() < self._down_until:
            return SpanExportResult.FAILURE
        try:
            result = self.inner.export(spans)
            reason = "the export failed"
        except Exception as exc:  # an exporter must never take the worker thread down
            result, reason = SpanExportResult.FAILURE, str(exc)
        if result is SpanExportResult.FAILURE:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            self._warn(reason)
        return result

    def _warn(self, reason: str) -> None:
        with self._lock:
            if self._warned:
                return
            self._warned = True
        try:
            warnings.warn(TraceExportWarning(self.endpoint, reason), stacklevel=2)
        except Exception:
            # Warnings turned into errors (python -W error) must not kill the worker.
            log.warning("%s", TraceExportWarning(self.endpoint, reason))

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def otlp_endpoint(environ: Mapping[str, str] = os.environ) -> str | None:
    """The traces endpoint the standard variables name, or None when neither is set.

    >>> otlp_endpoint({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318/"})
    'http://127.0.0.1:4318/v1/traces'
    >>> otlp_endpoint({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector/x"})
    'http://collector/x'
    >>> otlp_endpoint({}) is None
    True
    """
    traces = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    if traces:
        return traces
    base = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    if base:
        return base.rstrip("/") + "/v1/traces"
    return None


def otlp_exporter() -> SpanExporter | None:
    """An OTLP/HTTP exporter configured by the ``OTEL_*`` variables, or None if none is set."""
    endpoint = otlp_endpoint()
    if endpoint is None:
        return None
    # The SDK's exporter reads the same variables (endpoint, headers, timeout,
    # certificates, compression) itself; only the endpoint is passed so that
    # OTEL_EXPORTER_OTLP_ENDPOINT gets its /v1/traces as the spec says.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return DroppingExporter(OTLPSpanExporter(endpoint=endpoint), endpoint)
