"""Runs: a named group of logged models, like an MLflow run (``runs:/<run_id>/<name>``).

A run is a small record in the artifact store (``runs/<run_id>.json``) that
maps the names models were logged under to their model ids.

>>> import gitprompts
>>> with start_run(run_name="summarizer-model") as run:
...     info = gitprompts.log_model(lambda question: question.upper(), name="model")
>>> same = gitprompts.get_model_info(f"runs:/{run.info.run_id}/model")
>>> same.model_uri == info.model_uri          # both URIs name the same model
True
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from gitprompts.core.records import RecordDecoder
from gitprompts.errors import GitPromptsError, InvalidInputError, ModelNotFoundError
from gitprompts.fs.atomic import atomic_write
from gitprompts.models.store import Store, read_at_most

SCHEMA_VERSION = 1
# A run record names a few models; one from a shared store that is far past
# that size is refused unread.
MAX_BYTES = 1 << 20


class RunRecord(msgspec.Struct, frozen=True, kw_only=True):
    schema_version: int = SCHEMA_VERSION
    run_id: str
    run_name: str | None = None
    start_time: int = 0  # milliseconds since the epoch, as in MLflow
    models: dict[str, str] = msgspec.field(default_factory=dict)  # name -> model id


class Run:
    """An active or finished run; ``run.info.run_id`` as in MLflow."""

    def __init__(self, record: RunRecord, store: Store) -> None:
        self._record = record
        self._store = store

    @property
    def info(self) -> Run:
        return self

    @property
    def run_id(self) -> str:
        return self._record.run_id

    @property
    def run_name(self) -> str | None:
        return self._record.run_name

    @property
    def models(self) -> dict[str, str]:
        return dict(self._record.models)

    def __repr__(self) -> str:
        return f"<Run: run_id={self.run_id!r}, run_name={self.run_name!r}>"


_stack: list[Run] = []
_write_lock = threading.Lock()
_encoder = msgspec.json.Encoder(order="sorted")


def _unreadable(path: str, reason: str) -> GitPromptsError:
    return ModelNotFoundError(
        f"runs:/{Path(path).stem}", f"cannot read run record {path}: {reason}"
    )


_decoder = RecordDecoder(
    RunRecord,
    kind="run record",
    schema_version=SCHEMA_VERSION,
    max_bytes=MAX_BYTES,
    error=_unreadable,
)


def _path(store: Store, run_id: str) -> Path:
    return store.root / "runs" / f"{run_id}.json"


def _save(store: Store, record: RunRecord) -> None:
    atomic_write(_path(store, record.run_id), _encoder.encode(record), tmp_dir=store.tmp)


def active_run() -> Run | None:
    """The innermost run opened with ``start_run`` in this process, or None.

    >>> active_run() is None
    True
    """
    return _stack[-1] if _stack else None


@contextmanager
def start_run(run_name: str | None = None, store: Store | None = None) -> Iterator[Run]:
    """Open a run; models logged inside it are found as ``runs:/<run_id>/<name>``.

    >>> with start_run(run_name="summarizer-model") as run:
    ...     print(active_run() is run, run.info.run_name)
    True summarizer-model
    """
    if run_name is not None and not isinstance(run_name, str):
        raise InvalidInputError(f"run_name must be a string or None, not {run_name!r}")
    record = RunRecord(
        run_id=uuid.uuid4().hex, run_name=run_name, start_time=int(time.time() * 1000)
    )
    run = Run(record, store or Store())
    _stack.append(run)
    try:
        yield run
    finally:
        _stack.remove(run)


def record_model(run: Run, name: str, model_id: str) -> None:
    """Remember that ``run`` logged ``model_id`` as ``name`` (written at once)."""
    with _write_lock:
        record = run._record
        record = msgspec.structs.replace(record, models={**record.models, name: model_id})
        _save(run._store, record)
        run._record = record


def resolve(store: Store, run_id: str, name: str) -> str:
    """The model id logged as ``runs:/<run_id>/<name>``; ModelNotFoundError if there is none.

    A run record that is damaged, oversized or written by a newer gitprompts
    is refused with a ModelNotFoundError that says why.

    >>> resolve(Store(tmp_path), "0" * 32, "model")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.ModelNotFoundError: model 'runs:/000.../model' not found: no run '000...' ...
    """
    uri = f"runs:/{run_id}/{name}"
    path = _path(store, run_id)
    try:
        data = read_at_most(path, MAX_BYTES)
    except FileNotFoundError:
        raise ModelNotFoundError(uri, f"no run {run_id!r} in {store.root}") from None

    def unreadable(shown: str, reason: str) -> GitPromptsError:
        return ModelNotFoundError(uri, f"cannot read run record {shown}: {reason}")

    record = _decoder.decode(data, str(path), unreadable)
    model = record.models.get(name)
    if model is None:
        known = ", ".join(sorted(record.models)) or "none"
        reason = f"run {run_id} logged no model named {name!r} (names: {known})"
        raise ModelNotFoundError(uri, reason)
    return model


def search_runs(store: Store | None = None) -> list[RunRecord]:
    """Every run recorded in the artifact store, newest first.

    Records this gitprompts cannot read (damaged, oversized, or written by a
    newer version) are left out, so one bad file does not hide every run;
    ``resolve`` says what is wrong with one.

    >>> import gitprompts
    >>> with start_run(run_name="summarizer-model"):
    ...     _ = gitprompts.log_model(lambda question: question, name="model")
    >>> [r.run_name for r in search_runs()]
    ['summarizer-model']
    """
    store = store or Store()
    found = []
    for path in (store.root / "runs").glob("*.json"):
        try:
            found.append(_decoder.decode(read_at_most(path, MAX_BYTES), str(path)))
        except (OSError, ModelNotFoundError):
            continue
    return sorted(found, key=lambda r: (-r.start_time, r.run_id))
