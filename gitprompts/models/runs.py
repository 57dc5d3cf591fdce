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
from pathlib import Path
from typing import Any

import msgspec

from gitprompts.core.records import RecordDecoder
from gitprompts.errors import (
    GitPromptsError,
    InvalidInputError,
    ModelNotFoundError,
    RunAlreadyActiveError,
    RunNotFoundError,
    RunRecordChangedError,
)
from gitprompts.fs.atomic import atomic_write
from gitprompts.models import arguments, current
from gitprompts.models.manifest import RUN_ID, SHA256
from gitprompts.models.store import Store, read_at_most, run_key, sha256
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
    # MLflow's start_run and log_model arguments (issue 20); a record written
    # before them reads with these defaults.
    experiment_id: str | None = None
    parent_run_id: str | None = None
    description: str | None = None
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    params: dict[str, str] = msgspec.field(default_factory=dict)
    status: str = ""  # RUNNING, FINISHED, FAILED or KILLED; "" in a record from before
    end_time: int | None = None
    prompts: list[str] = msgspec.field(default_factory=list)  # prompts:/name/N loaded in the run
    model_params: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)
    model_tags: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)


_STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")


class Run:
    """An active or finished run: ``run.info.run_id`` and ``run.data.tags`` as in MLflow.

    Returned by ``start_run``; usable as a context manager (``with
    start_run() as run:``), which ends the run on exit, or ended with
    ``end_run()``.
    """

    def __init__(self, record: RunRecord, store: Store) -> None:
        self._record = record
        self._store = store
        self._digest: str | None = None  # sha256 of the record as last written

    @property
    def info(self) -> Run:
        return self

    @property
    def data(self) -> Run:
        return self

    @property
    def run_id(self) -> str:
        return self._record.run_id

    @property
    def run_name(self) -> str | None:
        return self._record.run_name

    @property
    def experiment_id(self) -> str | None:
        return self._record.experiment_id

    @property
    def parent_run_id(self) -> str | None:
        return self._record.parent_run_id

    @property
    def status(self) -> str:
        return self._record.status or "FINISHED"

    @property
    def start_time(self) -> int:
        return self._record.start_time

    @property
    def end_time(self) -> int | None:
        return self._record.end_time

    @property
    def params(self) -> dict[str, str]:
        return dict(self._record.params)

    @property
    def tags(self) -> dict[str, str]:
        """The run's tags, with MLflow's own keys for its name, parent and description."""
        system = {
            "mlflow.runName": self._record.run_name,
            "mlflow.parentRunId": self._record.parent_run_id,
            "mlflow.note.content": self._record.description,
        }
        return {**{k: v for k, v in system.items() if v is not None}, **self._record.tags}

    @property
    def prompts(self) -> list[str]:
        """``prompts:/name/N`` of every prompt version loaded while the run was active."""
        return list(self._record.prompts)

    @property
    def models(self) -> dict[str, str]:
        return dict(self._record.models)

    @property
    def record(self) -> RunRecord:
        return self._record

    def __enter__(self) -> Run:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if self in _stack:
            _end(self, "FINISHED" if kind is None else "FAILED")

    def __repr__(self) -> str:
        return f"<Run: run_id={self.run_id!r}, run_name={self.run_name!r}>"


# The active runs, innermost last (held in ``current`` so load_prompt can look cheaply).
_stack: list[Run] = current.runs
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
    return store.root / run_key(run_id)


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


def as_strings(value: object, argument: str) -> dict[str, str]:
    """MLflow stores params and tags as strings: ``str()`` of every key and value."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInputError(f"{argument} must be a dict, not {value!r}")
    return {str(k): str(v) for k, v in value.items()}


def _optional_str(value: object, argument: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidInputError(f"{argument} must be a string or None, not {value!r}")
    return value


def start_run(
    run_id: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    parent_run_id: str | None = None,
    tags: dict[str, Any] | None = None,
    description: str | None = None,
    log_system_metrics: bool | None = None,
    *,
    store: Store | None = None,
) -> Run:
    """Start a run (or resume ``run_id``); its models are found as ``runs:/<run_id>/<name>``.

    As in MLflow: use it in a ``with`` block (the run ends with the block) or
    call ``end_run()``; a run started while another is active must say
    ``nested=True`` (its parent is then the active run) and ``parent_run_id``
    names the parent explicitly; ``tags`` and ``description`` are recorded on
    the run, and prompts loaded while it is active are linked to it.
    ``experiment_id`` is recorded (gitprompts has no experiments);
    ``log_system_metrics`` is accepted and ignored (see ``arguments``).

    >>> with start_run(run_name="summarizer-model", tags={"team": "nlp"}) as run:
    ...     print(active_run() is run, run.info.run_name, run.data.tags["team"])
    True summarizer-model nlp
    >>> run.info.status
    'FINISHED'
    """
    arguments.check("start_run", {"log_system_metrics": log_system_metrics})
    run_name = _optional_str(run_name, "run_name")
    description = _optional_str(description, "description")
    experiment_id = None if experiment_id is None else str(experiment_id)
    tags = as_strings(tags, "tags")
    store = store or Store()
    active = _stack[-1] if _stack else None
    if active is not None and not nested and run_id != active.run_id:
        raise RunAlreadyActiveError(active.run_id)
    if parent_run_id is not None:
        if active is not None and parent_run_id != active.run_id:
            raise InvalidInputError(
                f"Current run with UUID {active.run_id} does not match the specified "
                f"parent_run_id {parent_run_id}"
            )
        parent = get_run(parent_run_id, store=store)
        if parent.status != "RUNNING":
            raise InvalidInputError(
                f"parent run {parent_run_id} is {parent.status}: the parent run must be active"
            )
    elif nested and active is not None:
        parent_run_id = active.run_id
    if run_id is not None:
        run = get_run(run_id, store=store)
        if run in _stack:
            raise RunAlreadyActiveError(run.run_id)
        record = msgspec.structs.replace(
            run._record,
            run_name=run_name or run._record.run_name,
            description=description or run._record.description,
            tags={**run._record.tags, **tags},
            parent_run_id=parent_run_id or run._record.parent_run_id,
            status="RUNNING",
            end_time=None,
        )
    else:
        record = RunRecord(
            run_id=uuid.uuid4().hex,
            run_name=run_name,
            start_time=int(time.time() * 1000),
            experiment_id=experiment_id,
            parent_run_id=parent_run_id,
            description=description,
            tags=tags,
            status="RUNNING",
        )
        run = Run(record, store)
    with _write_lock:
        _save(run, record)
        run._record = record
    _stack.append(run)
    return run


def _end(run: Run, status: str) -> None:
    _stack.remove(run)
    with _write_lock:
        record = msgspec.structs.replace(
            run._record, status=status, end_time=int(time.time() * 1000)
        )
        _save(run, record)
        run._record = record


def end_run(status: str = "FINISHED") -> None:
    """End the innermost active run (MLflow's ``end_run``); nothing happens when there is none.

    >>> run = start_run(run_name="by-hand")
    >>> end_run()
    >>> (active_run(), run.info.status)
    (None, 'FINISHED')
    """
    if status not in _STATUSES:
        raise InvalidInputError(f"status must be one of {', '.join(_STATUSES)}, not {status!r}")
    if _stack:
        _end(_stack[-1], status)


def get_run(run_id: str, *, store: Store | None = None) -> Run:
    """The run ``run_id`` (active in this process, or read from the artifact store).

    >>> with start_run(tags={"k": "v"}) as run:
    ...     pass
    >>> get_run(run.info.run_id).data.tags
    {'k': 'v'}
    """
    if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
        raise RunNotFoundError(run_id, "not 32 lowercase hex digits")
    for run in _stack:
        if run.run_id == run_id:
            return run
    store = store or Store()
    path = _path(store, run_id)
    try:
        data = read_at_most(path, MAX_BYTES)
    except FileNotFoundError:
        raise RunNotFoundError(run_id, f"no run record in {store.root}") from None
    _check_unchanged(run_id, path, data, f"runs:/{run_id}")

    def unreadable(shown: str, reason: str) -> GitPromptsError:
        return RunNotFoundError(run_id, f"cannot read run record {shown}: {reason}")

    run = Run(_decoder.decode(data, str(path), unreadable), store)
    run._digest = sha256(data)
    return run


def link_prompt(uri: str) -> None:
    """Record ``prompts:/name/N`` on the active run (MLflow links prompts loaded during a run)."""
    if not _stack:
        return
    run = _stack[-1]
    with _write_lock:
        if uri in run._record.prompts:
            return
        record = msgspec.structs.replace(run._record, prompts=[*run._record.prompts, uri])
        _save(run, record)
        run._record = record


def _with_model(
    record: RunRecord,
    name: str,
    model_id: str,
    params: dict[str, Any] | None,
    tags: dict[str, Any] | None,
) -> RunRecord:
    params, tags = as_strings(params, "params"), as_strings(tags, "tags")
    changes: dict[str, Any] = {"models": {**record.models, name: model_id}}
    if params:
        changes["model_params"] = {**record.model_params, name: params}
        changes["params"] = {**record.params, **params}
    if tags:
        changes["model_tags"] = {**record.model_tags, name: tags}
    return msgspec.structs.replace(record, **changes)


def record_model(
    run: Run,
    name: str,
    model_id: str,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
) -> None:
    """Remember that ``run`` logged ``model_id`` as ``name``, with its params and tags."""
    with _write_lock:
        record = _with_model(run._record, name, model_id, params, tags)
        _save(run, record)
        run._record = record


def record_run_of_one(
    name: str,
    model_id: str,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    store: Store | None = None,
) -> Run:
    """A finished run holding one model: what ``log_model`` outside ``start_run`` records.

    Written once (a run started, given the model and ended would be written
    three times: 20 ms of a 33 ms ``log_model`` on a busy 2-core machine).
    """
    now = int(time.time() * 1000)
    record = RunRecord(run_id=uuid.uuid4().hex, start_time=now, end_time=now, status="FINISHED")
    run = Run(_with_model(record, name, model_id, params, tags), store or Store())
    with _write_lock:
        _save(run, run._record)
    return run


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
