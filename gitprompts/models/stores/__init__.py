"""Shared artifact stores, one module per kind, chosen by URL scheme (like ``flavors/``).

A model's files live in the local content-addressed store (``models.store``),
which is also the cache of a shared store: ``log_model`` and ``push`` upload
to the shared one, and a read that misses locally fetches from it,
verifying every byte before it lands in the cache (``transfers``). Which
store a registry uses is decided in ``location``.

The table is fixed and its modules are imported on first use, so ``import
gitprompts`` never imports obstore:

>>> sorted(SCHEMES)
['az', 'gs', 'http', 'https', 's3']
>>> open_store("ftp://example.com/x")  # doctest: +ELLIPSIS
Traceback (most recent call last):
gitprompts.errors.UnsupportedArtifactStoreError: artifact store 'ftp://example.com/x': ...
"""

from __future__ import annotations

import importlib
import os
import threading

from gitprompts.core import artifacts
from gitprompts.errors import UnsupportedArtifactStoreError
from gitprompts.models.stores.base import ArtifactStore

__all__ = ["SCHEMES", "ArtifactStore", "open_store"]

# scheme -> module with ``open(url) -> ArtifactStore``.
SCHEMES: dict[str, str] = {
    "s3": "gitprompts.models.stores.objstore",
    "gs": "gitprompts.models.stores.objstore",
    "az": "gitprompts.models.stores.objstore",
    "http": "gitprompts.models.stores.served",
    "https": "gitprompts.models.stores.served",
}

_opened: dict[tuple[str, ...], ArtifactStore] = {}
# A client reads its configuration from these when it is made: a changed
# variable gets a new client.
_CONFIG_PREFIXES = ("AWS_", "GOOGLE_", "AZURE_", "GITPROMPTS_TOKEN")
_lock = threading.Lock()


def open_store(url: str) -> ArtifactStore:
    """The store at ``url`` (one client per URL per process: clients keep connections open).

    >>> open_store("s3://team-models/prod")  # doctest: +SKIP
    ObjectStore('s3://team-models/prod')
    """
    if artifacts.kind(url) != "url" or artifacts.scheme(url) not in SCHEMES:
        raise UnsupportedArtifactStoreError(url, list(SCHEMES))
    config = sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith(_CONFIG_PREFIXES))
    key = (url, *config)
    with _lock:
        store = _opened.get(key)
        if store is None:
            module = importlib.import_module(SCHEMES[artifacts.scheme(url)])
            store = _opened[key] = module.open(url)
        return store
