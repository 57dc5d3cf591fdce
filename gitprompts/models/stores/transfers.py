"""Moving models between the local store (the cache) and the shared one.

Uploads are content-addressed and published in order: a model's objects
first (each skipped when the store has it already), its manifest last, so a
model that is listed in a shared store has every byte there; a local file
is re-hashed before it is sent, so nothing that does not verify is
published. Downloads land in the local cache only after they verify: each
piece is hashed as it streams to a temporary file, which is renamed into
place when the sha256 (and size) match the manifest, and removed otherwise.

>>> upload_model(Store(), shared_store(), "3f9c...")   # doctest: +SKIP
Sent(objects=3, bytes=1048894)
"""

from __future__ import annotations

import hashlib
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from gitprompts.core.layout import MODELS_NOTES, note_ids
from gitprompts.errors import (
    ArtifactStoreError,
    ArtifactUploadWarning,
    IntegrityError,
    ModelNotFoundError,
)
from gitprompts.fs.atomic import atomic_write, atomic_write_stream
from gitprompts.git import command
from gitprompts.models import manifest as mf
from gitprompts.models import runs
from gitprompts.models.store import Store, manifest_key, object_key, read_at_most, run_key
from gitprompts.models.stores.base import CHUNK, ArtifactStore
from gitprompts.models.stores.location import shared_store
from gitprompts.registry import Registry

# A pinned prompt copy is at most GITPROMPTS_MAX_PROMPT_BYTES (1 MiB by
# default); one fetched without a size in the manifest is cut off well past that.
MAX_PROMPT_COPY = 64 << 20
# Transfers this large draw a progress bar on a terminal.
BAR_FROM = 16 << 20
# Objects moved at once; each large one is also sent in parallel parts.
PARALLEL = 4
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Sent:
    """What an upload sent: objects and bytes (0 and 0 when the store had everything)."""

    objects: int = 0
    bytes: int = 0
    models: list[str] = field(default_factory=list)


class Bar:
    """A one-line progress bar on stderr, drawn only on a terminal and for large transfers."""

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._shown = 0.0
        self.enabled = total >= BAR_FROM and _stderr_is_tty()

    def __call__(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self.enabled and (now - self._shown > 0.1 or self.done >= self.total):
            self._shown = now
            percent = 100 * self.done // max(self.total, 1)
            mib = self.done / (1 << 20)
            sys.stderr.write(f"\r{self.label}: {percent:3d}% ({mib:.0f} MiB)")
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


# -- downloads -------------------------------------------------------------------


def _remote_for(store: Store) -> ArtifactStore | None:
    return shared_store() if store.shared else None


def fetch_object(store: Store, digest: str, size: int | None, shown: str) -> bool:
    """Bring object ``digest`` into the local cache from the shared store; False if there is none.

    ``size`` is the manifest's (a longer download is cut off there); a
    download whose sha256 differs raises ``IntegrityError`` naming ``shown``,
    the file as the model calls it; one that breaks off,
    ``ArtifactTransferError``. Either way nothing is kept.
    """
    remote = _remote_for(store)
    if remote is None:
        return False
    key = object_key(digest)
    limit = size if size is not None else MAX_PROMPT_COPY
    hasher = hashlib.sha256()
    got = 0
    bar = Bar(f"fetching {shown}", size or 0)

    def pieces() -> Iterator[bytes]:
        nonlocal got
        for piece in remote.download(key):
            got += len(piece)
            if got > limit:
                raise IntegrityError(
                    f"{shown} (from {remote.url})", digest, f"more than {limit} bytes"
                )
            hasher.update(piece)
            bar(len(piece))
            yield piece

    def check() -> None:
        # A stream that broke off raised already (ArtifactTransferError); one that
        # ended normally with other bytes, shorter or not, was changed in the store.
        if hasher.hexdigest() != digest:
            raise IntegrityError(f"{shown} (from {remote.url})", digest, hasher.hexdigest())

    try:
        atomic_write_stream(store.object_path(digest), pieces(), tmp_dir=store.tmp, check=check)
    except FileNotFoundError as exc:
        if exc.args[:1] != (key,):
            raise  # a local file, not the store's missing key
        return False
    return True


def _small(remote: ArtifactStore, key: str, limit: int) -> bytes | None:
    """The bytes of a small record, or None if there is none; past ``limit`` it is cut off."""
    data = bytearray()
    try:
        for piece in remote.download(key):
            data += piece
            if len(data) > limit:
                break
    except FileNotFoundError:
        return None
    return bytes(data)


def fetch_manifest(store: Store, model_id: str) -> bool:
    """Bring a model's manifest into the cache (checked: it must hash to ``model_id``)."""

    def verify(data: bytes, shown: str) -> None:
        got = mf.model_id(mf.decode(data, shown))
        if got != model_id:
            raise IntegrityError(shown, model_id, got)

    return _fetch(store, manifest_key(model_id), mf.MAX_BYTES, verify)


def fetch_run(store: Store, run_id: str) -> bool:
    """Bring a run record into the cache (decoded and checked first)."""

    def verify(data: bytes, shown: str) -> None:
        record = runs.decode_record(data, shown)
        if record.run_id != run_id:
            raise ModelNotFoundError(
                f"runs:/{run_id}", f"{shown} is the record of run {record.run_id}"
            )

    return _fetch(store, run_key(run_id), runs.MAX_BYTES, verify)


def _fetch(store: Store, key: str, limit: int, verify: Callable[[bytes, str], None]) -> bool:
    """Bring the small record at ``key`` into the cache once ``verify(data, where)`` passes."""
    remote = _remote_for(store)
    if remote is None:
        return False
    data = _small(remote, key, limit)
    if data is None:
        return False
    verify(data, f"{remote.url}/{key}")
    atomic_write(store.root / key, data, tmp_dir=store.tmp)
    return True


def shared_model_ids(store: Store) -> list[str]:
    """The ids of every model in the shared store (none without one)."""
    remote = _remote_for(store)
    if remote is None:
        return []
    return _ids(remote)


def _ids(remote: ArtifactStore) -> list[str]:
    found = []
    for key in remote.keys("models/"):
        name = key.rpartition("/")[2]
        if name.endswith(".json") and mf.SHA256.fullmatch(name[: -len(".json")]):
            found.append(name[: -len(".json")])
    return sorted(found)


def fetch_manifests(store: Store) -> None:
    """Bring every manifest of the shared store into the cache (files stay remote until read)."""
    for model_id in shared_model_ids(store):
        if not (store.root / manifest_key(model_id)).is_file():
            fetch_manifest(store, model_id)


# -- uploads ---------------------------------------------------------------------


def _local_manifest(store: Store, model_id: str) -> mf.Manifest:
    path = store.root / manifest_key(model_id)
    try:
        data = read_at_most(path, mf.MAX_BYTES)
    except FileNotFoundError:
        raise ModelNotFoundError(f"models:/{model_id}", f"no such model in {store.root}") from None
    manifest = mf.decode(data, str(path))
    got = mf.model_id(manifest)
    if got != model_id:
        raise IntegrityError(str(path), model_id, got)
    return manifest


def _verified_pieces(store: Store, digest: str, shown: str, bar: Bar) -> Iterator[bytes]:
    """A local object in pieces, hashed as it is sent; one that does not verify raises at
    its end, which abandons the upload: nothing that does not verify is published, at the
    cost of no second read of the file."""
    path = store.object_path(digest)
    hasher = hashlib.sha256()
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below, as the generator ends
    except FileNotFoundError:
        raise IntegrityError(f"{shown} ({path})", digest, "missing file") from None
    with f:
        while piece := f.read(CHUNK):
            hasher.update(piece)
            bar(len(piece))
            yield piece
    if hasher.hexdigest() != digest:
        raise IntegrityError(f"{shown} ({path})", digest, hasher.hexdigest())


def upload_model(
    store: Store, remote: ArtifactStore, model_id: str, sent: Sent | None = None
) -> Sent:
    """Upload a model's objects (those the store lacks), then its manifest."""
    sent = sent if sent is not None else Sent()
    manifest = _local_manifest(store, model_id)
    wanted: dict[str, str] = {
        f.sha256: f"models:/{model_id}/files/{f.path}" for f in manifest.files
    }
    for p in manifest.prompts:
        wanted.setdefault(p.sha256, f"models:/{model_id}/{p.copy_path}")

    def send(item: tuple[str, str]) -> int:
        digest, shown = item
        key = object_key(digest)
        if remote.exists(key):
            return -1
        try:
            size = store.object_path(digest).stat().st_size
        except FileNotFoundError:
            raise IntegrityError(shown, digest, "missing file") from None
        bar = Bar(f"uploading {shown}", size)
        remote.upload(key, _verified_pieces(store, digest, shown, bar), size)
        return size

    # Objects go up side by side (the clients release the GIL while they wait):
    # a model of a few small files costs about one round trip, not one per file.
    for size in _parallel(send, sorted(wanted.items())):
        if size >= 0:
            sent.objects += 1
            sent.bytes += size
    data = (store.root / manifest_key(model_id)).read_bytes()
    remote.upload_bytes(manifest_key(model_id), data)
    sent.objects += 1
    sent.bytes += len(data)
    sent.models.append(model_id)
    return sent


def _parallel(work: Callable[[T], R], items: list[T]) -> list[R]:
    """``[work(i) for i in items]`` on up to ``PARALLEL`` threads; the first error is raised."""
    if len(items) <= 1:
        return [work(i) for i in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(PARALLEL, len(items))) as pool:
        return list(pool.map(work, items))


def fetch_missing(store: Store, wanted: list[tuple[str, int | None, str]]) -> None:
    """Fetch, side by side, every ``(digest, size, shown)`` the local cache lacks."""
    if not store.shared:
        return
    missing = [w for w in wanted if not store.object_path(w[0]).is_file()]
    if len(missing) > 1:
        _parallel(lambda w: fetch_object(store, *w), missing)


def upload_run(store: Store, remote: ArtifactStore, run_id: str) -> None:
    path = store.root / run_key(run_id)
    data = read_at_most(path, runs.MAX_BYTES)
    runs.decode_record(data, str(path))
    remote.upload_bytes(run_key(run_id), data)


def share_logged(store: Store, model_id: str, run_id: str) -> None:
    """After ``log_model``: upload the model and its run record to the shared store, if any.

    A store that fails leaves the model logged here, with an
    ``ArtifactUploadWarning``; ``push`` uploads it before it links it.
    """
    remote = _remote_for(store)
    if remote is None:
        return
    try:
        if not remote.exists(manifest_key(model_id)):
            upload_model(store, remote, model_id)
        upload_run(store, remote, run_id)
    except ArtifactStoreError as exc:
        warnings.warn(ArtifactUploadWarning(remote.url, model_id, exc.reason), stacklevel=3)


def linked_model_ids(registry: Registry) -> list[str]:
    """Every model id the registry's models notes link (two git processes, any number of notes)."""
    listing = command.run(
        ["notes", f"--ref={MODELS_NOTES}", "list"], git_dir=registry.path, check=False
    )
    blobs = sorted({line.split()[0] for line in listing.splitlines() if line.split()})
    if not blobs:
        return []
    out = command.run_bytes(
        ["cat-file", "--batch"],
        git_dir=registry.path,
        input="".join(f"{b}\n" for b in blobs).encode(),
    )
    ids: set[str] = set()
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        size = int(header[2])
        body = out[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
        ids.update(i for i in note_ids(body.decode("utf-8", "replace")) if mf.SHA256.fullmatch(i))
    return sorted(ids)


def ensure_pushed(registry: Registry, store: Store | None = None) -> Sent:
    """Before ``push``: every model the registry links is in the shared store (uploaded if not).

    One listing of the store's models; only models it lacks are sent, so a
    second push sends nothing. A linked model that is neither here nor
    there refuses the push (``ModelNotFoundError``): a remote never links a
    model nobody can fetch. Without a shared store, nothing happens.
    """
    store = store or Store()
    remote = shared_store(registry) if store.shared else None
    sent = Sent()
    if remote is None:
        return sent
    present = set(_ids(remote))
    missing = [m for m in linked_model_ids(registry) if m not in present]
    for model_id in missing:
        if not (store.root / manifest_key(model_id)).is_file():
            raise ModelNotFoundError(
                f"models:/{model_id}",
                f"this registry links it but it is neither in {store.root} nor in {remote.url}; "
                "push refused so the remote never links a model nobody can fetch "
                "(push from the machine that logged it)",
            )
    for model_id in missing:
        upload_model(store, remote, model_id, sent)
    if missing:
        uploaded = set(missing)
        for record in runs.search_runs(store):
            if uploaded & set(record.models.values()):
                upload_run(store, remote, record.run_id)
    return sent


__all__ = [
    "Bar",
    "Sent",
    "ensure_pushed",
    "fetch_manifest",
    "fetch_manifests",
    "fetch_object",
    "fetch_run",
    "linked_model_ids",
    "object_key",
    "share_logged",
    "shared_model_ids",
    "upload_model",
    "upload_run",
]
