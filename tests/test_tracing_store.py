"""The local trace store: bounded (oldest dropped first), several writing processes, bad input."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gitprompts.errors import InvalidTraceIdError, TraceNotFoundError, TraceStoreError
from gitprompts.tracing.store import SpanRecord, TraceStore, max_bytes_from_env, span_tree


def span(trace: int, n: int = 0, *, parent: str = "", text: str = "", start: int = 0) -> SpanRecord:
    return SpanRecord(
        trace_id=f"{trace:032x}",
        span_id=f"{trace:08x}{n:08x}",
        parent_id=parent,
        name=f"span {trace}/{n}",
        start_ns=start or trace * 1000 + n,
        end_ns=(start or trace * 1000 + n) + 10,
        attributes={"gitprompts.outputs": text},
    )


def test_the_store_drops_the_oldest_traces_when_full(tmp_path: Path) -> None:
    store = TraceStore(tmp_path / "t.db", max_bytes=20_000)
    for trace in range(1, 41):
        store.add([span(trace, 0, text="x" * 900), span(trace, 1, text="y" * 900)])
        assert store.size() <= 20_000
    kept = [int(t.trace_id, 16) for t in store.traces(limit=100)]
    assert kept == sorted(kept, reverse=True)
    assert kept[0] == 40 and 1 not in kept  # the newest stay, the oldest went
    assert 5 <= len(kept) < 40
    for trace in kept:  # whole traces are dropped, never half of one
        assert len(store.spans(f"{trace:032x}")) == 2


def test_several_processes_write_at_once(tmp_path: Path, home: Path) -> None:
    pytest.importorskip("langchain_core")
    pytest.importorskip("opentelemetry.sdk")
    script = textwrap.dedent(
        """
        import sys
        from langchain_core.language_models.fake_chat_models import FakeListChatModel
        from langchain_core.runnables import RunnableLambda
        import gitprompts
        from gitprompts import tracing

        gitprompts.autolog()
        chain = RunnableLambda(lambda x: x) | FakeListChatModel(responses=["r"])
        for i in range(30):
            chain.invoke(f"{sys.argv[1]}-{i}")
            if i % 7 == 0:
                tracing.flush()  # batches from all processes interleave
        """
    )
    env = {**os.environ, "GITPROMPTS_HOME": str(home)}
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(n)], env=env, stderr=subprocess.PIPE)
        for n in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    traces = TraceStore().traces(limit=1000)
    assert len(traces) == 90
    assert all(t.spans == 3 for t in traces)  # sequence, lambda, chat model: none torn


def test_trace_ids_are_checked_and_prefixes_resolve(tmp_path: Path) -> None:
    store = TraceStore(tmp_path / "t.db")
    store.add([span(0xABCDEF01), span(0xABCDFF02)])
    with pytest.raises(InvalidTraceIdError, match="32 hex digits"):
        store.spans("'; DROP TABLE spans; --")
    with pytest.raises(TraceNotFoundError, match="ambiguous"):
        store.spans(f"{0xABCDEF01:032x}"[:28])
    assert store.spans(f"{0xABCDEF01:032x}"[:30])[0].name == f"span {0xABCDEF01}/0"
    with pytest.raises(TraceNotFoundError, match="not found"):
        store.spans("f" * 32)
    assert TraceStore(tmp_path / "none.db").traces() == []
    assert not (tmp_path / "none.db").exists()  # reading creates nothing


def test_a_damaged_record_is_refused_naming_the_store(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = TraceStore(path)
    store.add([span(1)])
    store.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE spans SET data = ?", (b'{"schema_version": 1, "name": 5}',))
    with pytest.raises(TraceStoreError, match=r"t\.db \(trace 0+1\).*invalid span record"):
        TraceStore(path).spans("0" * 31 + "1")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE spans SET data = ?", (b'{"schema_version": 9}',))
    with pytest.raises(TraceStoreError, match="upgrade gitprompts"):
        TraceStore(path).traces()


def test_the_bound_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITPROMPTS_TRACES_MAX_BYTES", "1000")
    assert max_bytes_from_env() == 1000
    monkeypatch.setenv("GITPROMPTS_TRACES_MAX_BYTES", "lots")
    with pytest.raises(TraceStoreError, match=r"GITPROMPTS_TRACES_MAX_BYTES.*'lots'"):
        max_bytes_from_env()


def test_span_tree_orders_children_under_parents() -> None:
    root = span(1, 0, start=100)
    late = span(1, 2, parent=root.span_id, start=300)
    early = span(1, 1, parent=root.span_id, start=200)
    grandchild = span(1, 3, parent=early.span_id, start=250)
    orphan = span(1, 4, parent="f" * 16, start=50)  # its parent was never stored
    tree = [(d, s.span_id[-1]) for d, s in span_tree([late, grandchild, root, early, orphan])]
    assert tree == [(0, "4"), (0, "0"), (1, "1"), (2, "3"), (1, "2")]


def test_an_oversized_record_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = TraceStore(path)
    store.add([span(1)])
    store.close()
    with sqlite3.connect(path) as db:  # another process of the user's wrote a 5 MiB record
        db.execute("UPDATE spans SET data = ?", (b'{"name": "' + b"x" * (5 << 20) + b'"}',))
    with pytest.raises(TraceStoreError, match="larger than"):
        TraceStore(path).traces()
