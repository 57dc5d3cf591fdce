"""Runs: a named group of logged models, like an MLflow run (``runs:/<run_id>/<name>``).

A run is a small record in the artifact store (``runs/<run_id>.json``) that
maps the names models were logged under to their model ids.

A model id is the hash of the model's manifest, so ``models:/<id>`` cannot
be pointed at other bytes; a run record can: anyone who can write the
artifact store (a shared directory, ``GITPROMPTS_ARTIFACTS``) could rewrite
``runs/<run_id>.json`` to name another model, valid in every field. So
each record written here also leaves its sha256 in ``$GITPROMPTS_HOME/
run-digests/<run_id>.sha256`` (a 0o700 directory, outside a store placed
elsewhere), and ``resolve`` refuses a record whose bytes no longer match
(``RunRecordChangedError``). The threat is someone who can write the store
but not your home: whoever can write your home runs code as you anyway. A
record written elsewhere (another machine or user of a shared store, an
older gitprompts) has no digest here and is trusted as it stands: use
``models:/<id>`` when that matters.

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
from gitprompts.errors import (
    GitPromptsError,
    InvalidInputError,
    ModelNotFoundError,
    RunRecordChangedError,
)
from gitprompts.fs.atomic import atomic_write
from gitprompts.models.manifest import RUN_ID, SHA256
from gitprompts.models.store import Store, read_at_most, sha256
from gitprompts.remote.location import home

SCHEMA_VERSION = 1
# A run record names a few models; one from a shared store that is far past
# that size is refused unread.
MAX_BYTES = 1 << 20
# A digest file holds one or two sha256 lines; anything longer is not ours.
_DIGESTS_MAX_BYTES = 256


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
        self._digest: str | None = None  # sha256 of the record as last written

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


def decode_record(data: bytes, path: str) -> RunRecord:
    """A run record's bytes, decoded and checked (a fetched record is checked before it is kept).

    >>> decode_record(b'{"run_id": "' + b"0" * 32 + b'"}', "r.json").run_id == "0" * 32
    True
    """
    return _decoder.decode(data, path)


def _path(store: Store, run_id: str) -> Path:
    return store.root / "runs" / f"{run_id}.json"


def _digests_path(run_id: str) -> Path:
    return home() / "run-digests" / f"{run_id}.sha256"


def _remember(run_id: str, digests: list[str]) -> None:
    path = _digests_path(run_id)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write(path, "".join(f"{d}\n" for d in digests).encode())


def _remembered(run_id: str) -> set[str] | None:
    """The sha256s this machine wrote run ``run_id``'s record with; None if it never did."""
    try:
        data = read_at_most(_digests_path(run_id), _DIGESTS_MAX_BYTES)
    except FileNotFoundError:
        return None
    # A damaged digest file matches nothing, so the record is refused, not trusted.
    return {line for line in data.decode("latin-1").split() if SHA256.fullmatch(line)}


def _check_unchanged(run_id: str, path: Path, data: bytes, uri: str) -> None:
    """RunRecordChangedError if this machine wrote the record and ``data`` is not what it wrote."""
    remembered = _remembered(run_id)
    if remembered is None:
        return
    got = sha256(data)
    if got not in remembered:
        expected = " or ".join(sorted(remembered)) or "no valid sha256"
        raise RunRecordChangedError(str(path), expected, got, uri, str(_digests_path(run_id)))


def _save(run: Run, record: RunRecord) -> None:
    data = _encoder.encode(record)
    new, previous = sha256(data), run._digest
    # The digest file names both the old and the new record while the new
    # one replaces it, so a process killed in between leaves a record that
    # still resolves; then only the new one (two small writes, ~0.1 ms each).
    _remember(record.run_id, [d for d in (previous, new) if d is not None])
    atomic_write(_path(run._store, record.run_id), data, tmp_dir=run._store.tmp)
    if previous is not None:
        _remember(record.run_id, [new])
    run._digest = new


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
        _save(run, record)
        run._record = record


def resolve(store: Store, run_id: str, name: str) -> str:
    """The model id logged as ``runs:/<run_id>/<name>``; ModelNotFoundError if there is none.

    A run record that is damaged, oversized or written by a newer gitprompts
    is refused with a ModelNotFoundError that says why; one that this machine
    wrote and that was rewritten since, with a RunRecordChangedError.

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
    _check_unchanged(run_id, path, data, uri)

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
    newer version) or that were rewritten after this machine wrote them are
    left out, so one bad file does not hide every run; ``resolve`` says what
    is wrong with one.

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
            data = read_at_most(path, MAX_BYTES)
            if RUN_ID.fullmatch(path.stem):
                _check_unchanged(path.stem, path, data, f"runs:/{path.stem}")
            found.append(_decoder.decode(data, str(path)))
        except (OSError, ModelNotFoundError, RunRecordChangedError):
            continue
    return sorted(found, key=lambda r: (-r.start_time, r.run_id))
