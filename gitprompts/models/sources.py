"""Where a logged model's bytes come from: the artifact store, or a directory from ``save_model``.

Both sources hand out verified bytes only: every read is checked against the
manifest's sha256 (and, for pinned prompts, the git blob id too), so nothing
is executed from a file that was changed.

An exported directory looks like::

    manifest.json
    files/<path>                   the model's files (code/, model.pkl ...)
    prompts/<name>/<version>.prompt   the pinned prompt copies
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from gitprompts.errors import (
    AmbiguousModelIdError,
    IntegrityError,
    InvalidInputError,
    ManifestError,
    ModelNotFoundError,
)
from gitprompts.fs.atomic import atomic_write, staged_directory, write_files
from gitprompts.models import manifest as mf
from gitprompts.models import runs
from gitprompts.models.manifest import FileEntry, Manifest, PromptEntry
from gitprompts.models.store import (
    Store,
    git_blob_id,
    manifest_key,
    read_at_most,
    run_key,
    verified,
)
from gitprompts.models.stores import transfers

_ARTIFACT_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,255}")
# As git abbreviates object ids: 7 hex digits name one model among thousands
# (a clash is ~50% likely only past ~16**3.5 = 16,000 models).
MIN_PREFIX = 7
_ID_PREFIX = re.compile(rf"[0-9a-f]{{{MIN_PREFIX},63}}")


def check_name(name: object) -> str:
    """A model's name within its run (``runs:/<run_id>/<name>``)."""
    if not isinstance(name, str) or not _ARTIFACT_NAME.fullmatch(name) or name.startswith("."):
        raise InvalidInputError(
            f"invalid model name {name!r}: use 1-255 letters, digits, '-', '_' and '.', "
            "not starting with '.'"
        )
    return name


class Located:
    """One model, found: its manifest, its id, and where its bytes live."""

    def __init__(
        self,
        uri: str,
        manifest: Manifest,
        model_id: str,
        store: Store | None = None,
        directory: Path | None = None,
        name: str | None = None,
        run_id: str | None = None,
    ) -> None:
        self.uri = uri
        self.manifest = manifest
        self.model_id = model_id
        self.store = store
        self.directory = directory
        self.name = name
        self.run_id = run_id

    def _where(self, rel: str) -> str:
        base = self.directory if self.directory is not None else f"models:/{self.model_id}"
        return f"{base}/{rel}"

    def read_file(self, entry: FileEntry) -> bytes:
        if self.directory is not None:
            return _read_verified(self.directory / "files" / entry.path, entry.sha256)
        assert self.store is not None
        shown = self._where(f"files/{entry.path}")
        _fetch_if_missing(self.store, entry.sha256, entry.size, shown)
        return self.store.get(entry.sha256, shown)

    def read_prompt(self, entry: PromptEntry) -> bytes:
        rel = entry.copy_path
        if self.directory is not None:
            data = _read_verified(self.directory / rel, entry.sha256)
        else:
            assert self.store is not None
            _fetch_if_missing(self.store, entry.sha256, None, self._where(rel))
            data = self.store.get(entry.sha256, self._where(rel))
        blob = git_blob_id(data)
        if blob != entry.blob_id:
            raise IntegrityError(self._where(rel) + " (git blob id)", entry.blob_id, blob)
        return data

    def read_all(self) -> tuple[dict[str, bytes], dict[tuple[str, int], bytes]]:
        """Every file and pinned prompt, verified, before anything is executed."""
        if self.store is not None and self.directory is None:
            wanted: list[tuple[str, int | None, str]] = [
                (e.sha256, e.size, self._where(f"files/{e.path}")) for e in self.manifest.files
            ]
            wanted += [(p.sha256, None, self._where(p.copy_path)) for p in self.manifest.prompts]
            transfers.fetch_missing(self.store, wanted)  # side by side from a shared store
        files = {e.path: self.read_file(e) for e in self.manifest.files}
        prompts = {(p.name, p.version): self.read_prompt(p) for p in self.manifest.prompts}
        return files, prompts


def _fetch_if_missing(store: Store, digest: str, size: int | None, shown: str) -> None:
    """A file missing from the local cache is fetched (and verified) from the shared store."""
    if store.shared and not store.object_path(digest).is_file():
        transfers.fetch_object(store, digest, size, shown)


def _read_verified(path: Path, digest: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IntegrityError(str(path), digest, "missing file") from None
    return verified(data, digest, str(path))


def manifest_path(store: Store, model_id: str) -> Path:
    return store.root / manifest_key(model_id)


def locate(model_uri: object, store: Store | None = None) -> Located:
    """Find ``models:/<id>``, ``runs:/<run_id>/<name>`` or a ``save_model`` directory."""
    if isinstance(model_uri, os.PathLike):
        model_uri = os.fspath(model_uri)
    if not isinstance(model_uri, str):
        raise ModelNotFoundError(repr(model_uri), "not a string")
    store = store or Store()
    if model_uri.startswith("models:/"):
        model_id = model_uri[len("models:/") :]
        if _ID_PREFIX.fullmatch(model_id):
            model_id = resolve_prefix(store, model_id, model_uri)
            model_uri = f"models:/{model_id}"
        if not mf.SHA256.fullmatch(model_id):
            raise ModelNotFoundError(
                model_uri,
                f"a model id is 64 hex digits, or a unique prefix of at least {MIN_PREFIX}",
            )
        return _from_store(model_uri, store, model_id)
    if model_uri.startswith("runs:/"):
        run_id, _, name = model_uri[len("runs:/") :].partition("/")
        if not mf.RUN_ID.fullmatch(run_id) or not _ARTIFACT_NAME.fullmatch(name):
            raise ModelNotFoundError(model_uri, "a run id is 32 hex digits, then '/<name>'")
        if store.shared and not (store.root / run_key(run_id)).is_file():
            transfers.fetch_run(store, run_id)
        model_id = runs.resolve(store, run_id, name)
        located = _from_store(model_uri, store, model_id)
        located.name, located.run_id = name, run_id
        return located
    directory = Path(model_uri).expanduser()
    if (directory / mf.FILE_NAME).is_file():
        data = read_at_most(directory / mf.FILE_NAME, mf.MAX_BYTES)
        manifest = mf.decode(data, str(directory / mf.FILE_NAME))
        return Located(model_uri, manifest, mf.model_id(manifest), directory=directory.absolute())
    why = "no such directory" if not directory.exists() else f"no {mf.FILE_NAME} in it"
    raise ModelNotFoundError(model_uri, why)


def resolve_prefix(store: Store, prefix: str, uri: str) -> str:
    """The one stored model id starting with ``prefix`` (7 to 63 lowercase hex digits).

    Decided from the manifests' file names only; the model itself is read
    (and verified) afterwards. A listing of the store's ``models/`` folder
    costs ~1 ms per 1,000 models.

    >>> import tempfile
    >>> store = Store(Path(tempfile.mkdtemp()))
    >>> resolve_prefix(store, "abcdef0", "models:/abcdef0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.ModelNotFoundError: model 'models:/abcdef0' not found: no model id ...
    """
    try:
        names = os.listdir(store.root / "models")
    except FileNotFoundError:
        names = []
    found = sorted(
        stem
        for stem, ext in (os.path.splitext(n) for n in names)
        if ext == ".json" and stem.startswith(prefix) and mf.SHA256.fullmatch(stem)
    )
    if not found and store.shared:
        found = [i for i in transfers.shared_model_ids(store) if i.startswith(prefix)]
    if not found:
        raise ModelNotFoundError(uri, f"no model id starts with {prefix} in {store.root}")
    if len(found) > 1:
        raise AmbiguousModelIdError(prefix, found)
    return found[0]


def _from_store(uri: str, store: Store, model_id: str) -> Located:
    path = manifest_path(store, model_id)
    if store.shared and not path.is_file():
        transfers.fetch_manifest(store, model_id)
    try:
        data = read_at_most(path, mf.MAX_BYTES)
    except FileNotFoundError:
        raise ModelNotFoundError(uri, f"no such model in {store.root}") from None
    manifest = mf.decode(data, str(path))
    got = mf.model_id(manifest)
    if got != model_id:
        raise IntegrityError(str(path), model_id, got)
    return Located(uri, manifest, model_id, store=store)


def write(
    store: Store,
    manifest: Manifest,
    files: dict[str, bytes],
    prompts: dict[tuple[str, int], bytes],
) -> tuple[str, Manifest]:
    """Store a model; returns its id and its manifest (the first one, if it was logged before)."""
    manifest = mf.canonical(manifest)
    model_id = mf.model_id(manifest)
    path = manifest_path(store, model_id)
    if path.is_file():
        try:
            existing = _from_store(f"models:/{model_id}", store, model_id)
            existing.read_all()
            return model_id, existing.manifest
        except (IntegrityError, ManifestError):
            pass  # damaged: write it again below
    for data in files.values():
        store.put(data)
    for data in prompts.values():
        store.put(data)
    # The manifest goes last: until it exists the model does not, and its
    # objects are complete files that a later log may reuse.
    atomic_write(path, mf.encode(manifest), tmp_dir=store.tmp)
    return model_id, manifest


def export(located: Located, path: Path) -> None:
    """Write ``located`` as a self-contained directory at ``path`` (all or nothing)."""
    _check_empty(path)
    files, prompts = located.read_all()
    write_directory(path, located.manifest, files, prompts)


def _check_empty(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InvalidInputError(
            f"cannot save model to {path}: it exists and is not an empty directory; "
            "choose a new path"
        )


def write_directory(
    path: Path,
    manifest: Manifest,
    files: dict[str, bytes],
    prompts: dict[tuple[str, int], bytes],
) -> None:
    """Write a model directory (manifest, files, pinned prompts) at ``path``, all or nothing."""
    _check_empty(path)
    tree = {f"files/{rel}": data for rel, data in files.items()}
    for entry in manifest.prompts:
        tree[entry.copy_path] = prompts[(entry.name, entry.version)]
    tree[mf.FILE_NAME] = mf.encode(manifest)
    with staged_directory(path) as staging:
        write_files(staging, tree)
