"""The local trace store: finished spans in ``$GITPROMPTS_HOME/traces/traces.db``.

One SQLite database in WAL mode: any number of processes append to it at
once (each batch is one ``BEGIN IMMEDIATE`` transaction; SQLite's lock
serialises them, and a busy writer waits up to 10 s), and readers never
block writers. Each span is one row holding its ``SpanRecord`` as JSON,
plus the columns the listings need; a second table indexes which prompt
versions each trace used, for the prompt page of ``gitprompts serve``.

The store is bounded: after a write that takes it past ``max_bytes``
(``GITPROMPTS_TRACES_MAX_BYTES``, default 64 MiB of span JSON), whole
traces are dropped, oldest first, until it is back under 90% of the bound.

Nothing here imports OpenTelemetry: ``gitprompts traces`` and the web UI
read the store without the tracing extra.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     store = TraceStore(Path(d) / "traces.db")
...     store.add([SpanRecord(trace_id="1" * 32, span_id="2" * 16, name="graph",
...                           start_ns=1, end_ns=2_000_001)])
...     [(t.name, t.duration_ms) for t in store.traces()]
[('graph', 2.0)]
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import msgspec

from gitprompts.core.records import RecordDecoder
from gitprompts.errors import InvalidTraceIdError, TraceNotFoundError, TraceStoreError
from gitprompts.remote.location import home
from gitprompts.tracing import attributes as attr

SCHEMA_VERSION = 1
DEFAULT_MAX_BYTES = 64 << 20
# A span is bounded by attributes.MAX_VALUE_CHARS per value; this bounds the
# whole record read back (a store is local, but any process of the user's can write it).
MAX_SPAN_BYTES = 4 << 20
TRACE_ID = re.compile(r"[0-9a-f]{32}")
# A trace id may be shortened, as a git id: at least 7 hex digits.
TRACE_PREFIX = re.compile(r"[0-9a-f]{7,32}")

Status = Literal["unset", "ok", "error"]


class SpanEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A point in a span's life (an exception, with its type, message and stack)."""

    name: str
    time_ns: int
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)


class SpanRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One finished span, as stored (ids are lowercase hex, times ns since the epoch)."""

    schema_version: int = SCHEMA_VERSION
    trace_id: str
    span_id: str
    parent_id: str = ""
    name: str
    start_ns: int
    end_ns: int
    status: Status = "unset"
    status_message: str = ""
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)
    events: list[SpanEvent] = msgspec.field(default_factory=list)

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6


class TraceSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A trace as listed: its root span's name, when, how long, how many spans."""

    trace_id: str
    name: str
    start_ns: int
    end_ns: int
    spans: int
    status: Status
    model_id: str = ""
    prompts: list[str] = msgspec.field(default_factory=list)

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6


def _refused(path: str, reason: str) -> TraceStoreError:
    return TraceStoreError(path, reason)


_encoder = msgspec.json.Encoder()
_decoder = RecordDecoder(
    SpanRecord,
    kind="span record",
    schema_version=SCHEMA_VERSION,
    max_bytes=MAX_SPAN_BYTES,
    error=_refused,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spans (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    trace_id TEXT NOT NULL,
    span_id TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    start_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS spans_trace ON spans (trace_id);
CREATE TABLE IF NOT EXISTS trace_prompts (
    trace_id TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    start_ns INTEGER NOT NULL,
    UNIQUE (trace_id, name, version)
);
CREATE INDEX IF NOT EXISTS trace_prompts_version ON trace_prompts (name, version, start_ns);
"""


def default_path() -> Path:
    """``$GITPROMPTS_HOME/traces/traces.db``."""
    return home() / "traces" / "traces.db"


def max_bytes_from_env() -> int:
    """``GITPROMPTS_TRACES_MAX_BYTES``, or 64 MiB; a value that is not a positive integer
    raises ``TraceStoreError`` naming it.
    """
    value = os.environ.get("GITPROMPTS_TRACES_MAX_BYTES")
    if value is None:
        return DEFAULT_MAX_BYTES
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise TraceStoreError(
            "GITPROMPTS_TRACES_MAX_BYTES", f"{value!r} is not a positive number of bytes"
        )
    return number


def check_trace_id(text: str) -> str:
    """``text`` lowercased if it is a trace id or a prefix of 7+ hex digits; else raises.

    >>> check_trace_id("ABCDEF0")
    'abcdef0'
    >>> check_trace_id("xyz")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.InvalidTraceIdError: invalid trace id 'xyz': ...
    """
    lowered = text.strip().lower()
    if not TRACE_PREFIX.fullmatch(lowered):
        raise InvalidTraceIdError(text)
    return lowered


class TraceStore:
    """The spans under ``path`` (default: ``default_path()``), bounded to ``max_bytes``."""

    def __init__(self, path: Path | None = None, max_bytes: int | None = None) -> None:
        self.path = path if path is not None else default_path()
        self.max_bytes = max_bytes if max_bytes is not None else max_bytes_from_env()
        self._local = threading.local()

    # -- connection --------------------------------------------------------------

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None:
            return connection
        if not create and not self.path.exists():
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            # WAL with synchronous=NORMAL stays consistent after a crash (it may lose the
            # last batches); a trace is not worth an fsync per batch.
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise TraceStoreError(str(self.path), f"cannot open the trace store ({exc})") from None
        self._local.connection = connection
        return connection

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        try:
            yield self._connect(create=False)
        except sqlite3.Error as exc:
            raise TraceStoreError(str(self.path), f"cannot read the trace store ({exc})") from None

    def close(self) -> None:
        """Close this thread's connection (the next call opens a new one)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # -- writing -----------------------------------------------------------------

    def add(self, spans: list[SpanRecord]) -> None:
        """Store ``spans`` in one transaction, then drop the oldest traces if over the bound."""
        if not spans:
            return
        rows = []
        prompt_rows = []
        for span in spans:
            data = _encoder.encode(span)
            rows.append(
                (span.trace_id, span.span_id, span.parent_id, span.start_ns, len(data), data)
            )
            name = span.attributes.get(attr.PROMPT_NAME)
            for uri in span.attributes.get(attr.PROMPTS) or []:
                prompt_name, _, number = str(uri).removeprefix("prompts:/").rpartition("/")
                if prompt_name and number.isdigit():
                    prompt_rows.append((span.trace_id, prompt_name, int(number), span.start_ns))
            if name and not span.attributes.get(attr.PROMPTS):
                version = span.attributes.get(attr.PROMPT_VERSION)
                if isinstance(version, int):
                    prompt_rows.append((span.trace_id, str(name), version, span.start_ns))
        connection = self._connect(create=True)
        assert connection is not None
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(
                    "INSERT INTO spans (trace_id, span_id, parent_id, start_ns, size, data) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                connection.executemany(
                    "INSERT OR IGNORE INTO trace_prompts VALUES (?, ?, ?, ?)", prompt_rows
                )
                self._prune(connection)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise TraceStoreError(str(self.path), f"cannot write the trace store ({exc})") from None

    def _prune(self, connection: sqlite3.Connection) -> None:
        (total,) = connection.execute("SELECT COALESCE(SUM(size), 0) FROM spans").fetchone()
        if total <= self.max_bytes:
            return
        excess = total - self.max_bytes * 9 // 10
        oldest = connection.execute(
            "SELECT trace_id, SUM(size) FROM spans GROUP BY trace_id ORDER BY MIN(seq)"
        )
        dropped = []
        for trace_id, size in oldest:
            dropped.append((trace_id,))
            excess -= size
            if excess <= 0:
                break
        connection.executemany("DELETE FROM spans WHERE trace_id = ?", dropped)
        connection.executemany("DELETE FROM trace_prompts WHERE trace_id = ?", dropped)

    # -- reading -----------------------------------------------------------------

    def size(self) -> int:
        """Bytes of span JSON held."""
        with self._reading() as connection:
            if connection is None:
                return 0
            (total,) = connection.execute("SELECT COALESCE(SUM(size), 0) FROM spans").fetchone()
            return int(total)

    def _decode(self, data: bytes, trace_id: str) -> SpanRecord:
        return _decoder.decode(bytes(data), f"{self.path} (trace {trace_id})")

    def traces(
        self, limit: int = 50, prompt: tuple[str, int | None] | None = None
    ) -> list[TraceSummary]:
        """The newest ``limit`` traces (those that used ``prompt``: (name, version or None))."""
        with self._reading() as connection:
            if connection is None:
                return []
            if prompt is None:
                ids = connection.execute(
                    "SELECT trace_id FROM spans GROUP BY trace_id ORDER BY MAX(seq) DESC LIMIT ?",
                    (limit,),
                ).fetchall()
            elif prompt[1] is None:
                ids = connection.execute(
                    "SELECT trace_id FROM trace_prompts WHERE name = ? GROUP BY trace_id "
                    "ORDER BY MAX(start_ns) DESC LIMIT ?",
                    (prompt[0], limit),
                ).fetchall()
            else:
                ids = connection.execute(
                    "SELECT trace_id FROM trace_prompts WHERE name = ? AND version = ? "
                    "ORDER BY start_ns DESC LIMIT ?",
                    (prompt[0], prompt[1], limit),
                ).fetchall()
            return [self._summary(connection, trace_id) for (trace_id,) in ids]

    def _summary(self, connection: sqlite3.Connection, trace_id: str) -> TraceSummary:
        spans = [
            self._decode(data, trace_id)
            for (data,) in connection.execute(
                "SELECT data FROM spans WHERE trace_id = ? ORDER BY start_ns, seq", (trace_id,)
            )
        ]
        return summarize(trace_id, spans)

    def resolve(self, trace_id: str) -> str:
        """The full id of the stored trace ``trace_id`` names (it may be a prefix)."""
        wanted = check_trace_id(trace_id)
        with self._reading() as connection:
            if connection is None:
                raise TraceNotFoundError(trace_id)
            if len(wanted) == 32:
                found = connection.execute(
                    "SELECT DISTINCT trace_id FROM spans WHERE trace_id = ?", (wanted,)
                ).fetchall()
            else:
                found = connection.execute(
                    "SELECT DISTINCT trace_id FROM spans WHERE trace_id >= ? AND trace_id < ? "
                    "LIMIT 2",
                    (wanted, wanted + "g"),
                ).fetchall()
        if len(found) != 1:
            raise TraceNotFoundError(trace_id, ambiguous=len(found) > 1)
        return str(found[0][0])

    def spans(self, trace_id: str) -> list[SpanRecord]:
        """Every stored span of trace ``trace_id`` (a full id or a unique prefix), by start."""
        full = self.resolve(trace_id)
        with self._reading() as connection:
            assert connection is not None
            return [
                self._decode(data, full)
                for (data,) in connection.execute(
                    "SELECT data FROM spans WHERE trace_id = ? ORDER BY start_ns, seq", (full,)
                )
            ]


def summarize(trace_id: str, spans: list[SpanRecord]) -> TraceSummary:
    """The listing line of a trace from its spans (the root: the span with no stored parent)."""
    ids = {s.span_id for s in spans}
    roots = [s for s in spans if not s.parent_id or s.parent_id not in ids]
    root = roots[0] if roots else spans[0]
    prompts: list[str] = []
    for span in spans:
        for uri in span.attributes.get(attr.PROMPTS) or []:
            if uri not in prompts:
                prompts.append(str(uri))
    return TraceSummary(
        trace_id=trace_id,
        name=root.name,
        start_ns=min(s.start_ns for s in spans),
        end_ns=max(s.end_ns for s in spans),
        spans=len(spans),
        status="error" if any(s.status == "error" for s in spans) else root.status,
        model_id=str(root.attributes.get(attr.MODEL_ID, "")),
        prompts=prompts,
    )


def span_tree(spans: list[SpanRecord]) -> list[tuple[int, SpanRecord]]:
    """``spans`` in tree order (each after its parent, siblings by start), with their depth.

    >>> a = SpanRecord(trace_id="1" * 32, span_id="a" * 16, name="graph", start_ns=1, end_ns=9)
    >>> b = SpanRecord(trace_id="1" * 32, span_id="b" * 16, parent_id="a" * 16, name="llm",
    ...                start_ns=2, end_ns=3)
    >>> [(depth, s.name) for depth, s in span_tree([b, a])]
    [(0, 'graph'), (1, 'llm')]
    """
    ids = {s.span_id for s in spans}
    children: dict[str, list[SpanRecord]] = {}
    for span in sorted(spans, key=lambda s: (s.start_ns, s.end_ns)):
        parent = span.parent_id if span.parent_id in ids else ""
        children.setdefault(parent, []).append(span)
    ordered: list[tuple[int, SpanRecord]] = []
    stack = [(0, s) for s in reversed(children.get("", []))]
    while stack:
        depth, span = stack.pop()
        ordered.append((depth, span))
        stack.extend((depth + 1, c) for c in reversed(children.get(span.span_id, [])))
    return ordered


def span_json(span: SpanRecord) -> dict[str, Any]:
    """The documented JSON form of a stored span (``gitprompts traces show --json``)."""
    return {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_id": span.parent_id or None,
        "name": span.name,
        "start_ns": span.start_ns,
        "end_ns": span.end_ns,
        "duration_ms": round(span.duration_ms, 3),
        "status": span.status,
        "status_message": span.status_message,
        "attributes": span.attributes,
        "events": [
            {"name": e.name, "time_ns": e.time_ns, "attributes": e.attributes} for e in span.events
        ],
    }


def summary_json(summary: TraceSummary) -> dict[str, Any]:
    """The documented JSON form of a listed trace (``gitprompts traces list --json``)."""
    return {
        "trace_id": summary.trace_id,
        "name": summary.name,
        "start_ns": summary.start_ns,
        "duration_ms": round(summary.duration_ms, 3),
        "spans": summary.spans,
        "status": summary.status,
        "model_id": summary.model_id or None,
        "prompts": summary.prompts,
    }
