"""The content-addressed artifact store: every file of every model, stored once by sha256.

Layout under the store's root (``$GITPROMPTS_ARTIFACTS``, default
``$GITPROMPTS_HOME/artifacts``)::

    objects/ab/cdef...   file contents, named by their sha256
    models/<id>.json     model manifests (the id is the manifest's sha256)
    runs/<run_id>.json   which models a run logged, under which names
    tmp/                 writes in progress

Every write goes to ``tmp/`` first and is renamed into place, so a crash
never leaves a half-written file under its final name, and two processes
writing the same object both end up with the same complete file.

>>> store = Store(tmp_path)
>>> digest = store.put(b"hello")
>>> store.get(digest)
b'hello'
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from gitprompts.core import artifacts
from gitprompts.errors import IntegrityError
from gitprompts.fs.atomic import atomic_write
from gitprompts.remote.location import home


def object_key(digest: str) -> str:
    """Where the file with sha256 ``digest`` lives, in this store and in a shared one.

    >>> object_key("ab" + "0" * 62) == "objects/ab/" + "0" * 62
    True
    """
    return f"objects/{digest[:2]}/{digest[2:]}"


def manifest_key(model_id: str) -> str:
    """Where the manifest of ``model_id`` lives."""
    return f"models/{model_id}.json"


def run_key(run_id: str) -> str:
    """Where the record of run ``run_id`` lives."""
    return f"runs/{run_id}.json"


def default_root() -> Path:
    """``$GITPROMPTS_ARTIFACTS``, or ``$GITPROMPTS_HOME/artifacts``.

    A URL there names a shared store (``models.stores``), and this local
    store is its cache at ``$GITPROMPTS_HOME/artifacts``; a URL whose scheme
    no store handles raises ``UnsupportedArtifactStoreError``, so it never
    becomes a directory called ``s3:``.
    """
    value = os.environ.get("GITPROMPTS_ARTIFACTS")
    if value and artifacts.kind(value) == "path":
        return Path(value).expanduser()
    return home() / "artifacts"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def git_blob_id(data: bytes) -> str:
    """The id git gives ``data`` as a blob (a pinned prompt is checked against it too)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def verified(data: bytes, expected: str, path: str) -> bytes:
    """``data`` if its sha256 is ``expected``; IntegrityError naming ``path`` otherwise."""
    got = sha256(data)
    if got != expected:
        raise IntegrityError(path, expected, got)
    return data


def read_at_most(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, but never more than ``limit + 1`` of them.

    For records with a size limit: the one byte past the limit is enough for
    the decoder to refuse the file, and an oversized file is never read whole.

    >>> _ = (tmp_path / "big.json").write_bytes(b"x" * 100)
    >>> len(read_at_most(tmp_path / "big.json", 10))
    11
    """
    with open(path, "rb") as f:
        return f.read(limit + 1)


class Store:
    """An artifact store rooted at ``root`` (created on the first write)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root).expanduser().absolute() if root is not None else default_root()
        # Only the default store is the cache of the shared one: a Store given
        # a root (a test's, serve's own) never reaches out.
        self.shared = root is None

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def object_path(self, digest: str) -> Path:
        return self.root / object_key(digest)

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its sha256."""
        digest = sha256(data)
        path = self.object_path(digest)
        if not path.is_file():
            atomic_write(path, data, tmp_dir=self.tmp)
        return digest

    def get(self, digest: str, name: str = "") -> bytes:
        """The bytes stored under ``digest``, verified; IntegrityError if they were changed."""
        path = self.object_path(digest)
        shown = f"{name} ({path})" if name else str(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise IntegrityError(shown, digest, "missing file") from None
        return verified(data, digest, shown)
