"""The hook behind ``load_prompt`` for logged models: pinned answers and recording.

``api.load_prompt`` checks one module flag, ``hooked``; while it is False
(no model was ever loaded or logged from code in this process) loads pay
nothing. Once set, a load is answered by the first of:

1. the ``PinSet`` made active for the current context: by ``load_model``
   while it imports or unpickles the model, and by the ``predict``/``invoke``
   wrappers of a loaded model for the duration of each call (contextvars
   follow LangChain's executors and asyncio tasks);
2. the ``PinSet`` installed for the code directory of a models-from-code
   model: any call from a function defined in that model's files (found by
   the caller frames' file names) gets its pins, in any thread, at any time;
3. the registry, as usual.

While a ``Recorder`` is active (``log_model`` running a script), every prompt
that comes back is recorded with the URI as written.

>>> import gitprompts
>>> from gitprompts.core import promptfile
>>> from gitprompts.models.manifest import PromptEntry
>>> pinned = promptfile.encode(promptfile.PromptFile(template="Pinned {{ q }}"))
>>> entry = PromptEntry(
...     uri="prompts:/chat@production", name="chat", version=1, commit_id="", blob_id="", sha256=""
... )
>>> with activate(PinSet("my-model", [entry], {("chat", 1): pinned})):
...     print(gitprompts.load_prompt("prompts:/chat@production").template)
Pinned {{ q }}
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gitprompts.core.prompt import PromptVersion
from gitprompts.core.uri import LATEST, PromptRef
from gitprompts.errors import UnpinnedPromptError, UnpinnedPromptWarning
from gitprompts.models.callers import nearest_model

if TYPE_CHECKING:
    from gitprompts.core import promptfile
    from gitprompts.models.manifest import PromptEntry

hooked = False

_active: ContextVar[PinSet | None] = ContextVar("gitprompts_pins", default=None)
_recorder: ContextVar[Recorder | None] = ContextVar("gitprompts_recorder", default=None)
_code_dirs: dict[str, PinSet] = {}
_by_file: dict[str, PinSet | None] = {}
_install_lock = threading.Lock()
# Called after every load answered while the hook is on: (URI as written, the
# version, the pinned entry or None when it came from the registry). Tracing
# watches loads this way; empty (the default), it costs one truthiness test.
Observer = Callable[[str, PromptVersion, "PromptEntry | None"], None]
observers: list[Observer] = []


@dataclass
class PinSet:
    """The prompts pinned by one loaded model, with their pinned file bytes."""

    model: str
    entries: list[PromptEntry]
    files: dict[tuple[str, int], bytes]
    strict: bool = False
    _parsed: dict[tuple[str, int], promptfile.PromptFile] = field(default_factory=dict)
    # What the model's code asked for and got, by pinned version: the URI as it
    # was written this time, and the entry that answered (tracing reads it).
    served: dict[tuple[str, int], tuple[str, PromptEntry]] = field(default_factory=dict)

    def find(self, ref: PromptRef) -> PromptEntry | None:
        """The pinned entry answering ``ref``, or None if the model did not pin it.

        By number, only that exact version; by alias, the entry logged under the
        same alias, else the one version pinned for the name, else the highest.
        """
        same = [e for e in self.entries if e.name == ref.name]
        if not same:
            return None
        if ref.version is not None:
            return next((e for e in same if e.version == ref.version), None)
        written = {f"prompts:/{ref.name}@{ref.alias}", f"{ref.name}@{ref.alias}"}
        if ref.alias == LATEST:
            written.add(ref.name)
        for entry in same:
            if entry.uri in written:
                return entry
        return max(same, key=lambda e: e.version)

    def prompt(self, entry: PromptEntry) -> PromptVersion:
        key = (entry.name, entry.version)
        parsed = self._parsed.get(key)
        if parsed is None:
            from gitprompts.core import promptfile  # yaml: only once a pinned copy is read

            parsed = promptfile.decode(self.files[key], entry.copy_path)
            self._parsed[key] = parsed
        return PromptVersion(
            entry.name,
            entry.version,
            parsed.template,
            commit_message=parsed.commit_message,
            tags=parsed.tags,
            response_format=parsed.response_format,
            model_config=parsed.model_config,
            commit_id=entry.commit_id,
            blob_id=entry.blob_id,
        )


@dataclass
class Recorder:
    """Every prompt loaded while active: ``(uri as written, version loaded)``."""

    loads: list[tuple[str, PromptVersion]] = field(default_factory=list)


def _enable() -> None:
    global hooked
    hooked = True


@contextmanager
def activate(pins: PinSet | None) -> Iterator[None]:
    """Answer ``load_prompt`` from ``pins`` in this context (None: no pins)."""
    _enable()
    token = _active.set(pins)
    try:
        yield
    finally:
        _active.reset(token)


def current() -> PinSet | None:
    """The ``PinSet`` active in this context (a flavor resolving its prompt references), or None."""
    return _active.get()


@contextmanager
def recording() -> Iterator[Recorder]:
    """Record every prompt loaded in this context (with no pins in the way)."""
    _enable()
    recorder = Recorder()
    token = _recorder.set(recorder)
    pins_token = _active.set(None)
    try:
        yield recorder
    finally:
        _active.reset(pins_token)
        _recorder.reset(token)


def install(code_dir: str, pins: PinSet) -> None:
    """Pin the loads made by code under ``code_dir`` (a loaded model's files), from now on."""
    _enable()
    prefix = code_dir.rstrip("/\\") + ("\\" if sys.platform == "win32" else "/")
    with _install_lock:
        _code_dirs[prefix] = pins
        _by_file.clear()


def forget() -> None:
    """Uninstall every model's pins and switch the hook off (tests call this between cases)."""
    global hooked
    with _install_lock:
        _code_dirs.clear()
        _by_file.clear()
        hooked = False


def observe(observer: Observer) -> None:
    """Call ``observer`` after every ``load_prompt`` from now on (tracing uses it)."""
    _enable()
    if observer not in observers:
        observers.append(observer)


def unobserve(observer: Observer) -> None:
    """Stop calling ``observer``."""
    if observer in observers:
        observers.remove(observer)


def _pins_for_caller() -> PinSet | None:
    if not _code_dirs:
        return None

    def owner(filename: str) -> PinSet | None:
        return next((p for d, p in _code_dirs.items() if filename.startswith(d)), None)

    # Skip this function, intercept() and load_prompt().
    return nearest_model(3, owner, _by_file)


def quote(ref: PromptRef, name_or_uri: object, version: object) -> str:
    """The URI as the caller wrote it (for the manifest)."""
    if version is None and isinstance(name_or_uri, str):
        return name_or_uri
    return ref.uri


def intercept(
    ref: PromptRef,
    written: str,
    allow_missing: bool,
    from_registry: Callable[[PromptRef, bool], PromptVersion | None],
) -> PromptVersion | None:
    """``load_prompt`` while the hook is on: pinned, recorded, or from the registry."""
    pins = _active.get() or _pins_for_caller()
    if pins is not None:
        entry = pins.find(ref)
        if entry is not None:
            pinned = pins.prompt(entry)
            pins.served[(entry.name, entry.version)] = (written, entry)
            for observer in observers:
                observer(written, pinned, entry)
            return pinned
        if pins.strict:
            raise UnpinnedPromptError(ref.uri, pins.model)
        warnings.warn(
            UnpinnedPromptWarning(
                f"{ref.uri} is not pinned by model {pins.model}; loading it from the "
                "registry (log the model with it in prompts=[...] to pin it)"
            ),
            stacklevel=4,
        )
    found = from_registry(ref, allow_missing)
    recorder = _recorder.get()
    if recorder is not None and found is not None:
        recorder.loads.append((written, found))
    if found is not None:
        for observer in observers:
            observer(written, found, None)
    return found
