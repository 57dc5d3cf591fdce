"""What every shared artifact store does: the protocol behind ``s3://``, ``gs://``, ``az://``
and a ``gitprompts serve`` endpoint.

Keys are the local store's relative paths (``objects/ab/cdef...``,
``models/<id>.json``, ``runs/<run_id>.json``), so a shared store has the
same layout as ``$GITPROMPTS_HOME/artifacts``. An upload is published whole
or not at all (an S3 PUT or a completed multipart upload; serve writes to a
temporary file, checks it, then renames). A missing key is the stdlib
``FileNotFoundError``; every other failure is a ``gitprompts.errors``
``ArtifactStoreError``.

>>> isinstance(object(), ArtifactStore)
False
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol, runtime_checkable

# Read and sent in pieces of this size: the 200 MB benchmark keeps ~40 MB of
# RSS with 8 MiB chunks (obstore uploads several at once).
CHUNK = 8 << 20

Progress = Callable[[int], None]
"""Called with the number of bytes just moved."""


@runtime_checkable
class ArtifactStore(Protocol):
    url: str

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        ...

    def keys(self, prefix: str) -> list[str]:
        """Every key under ``prefix`` (a folder such as ``models/``)."""
        ...

    def upload(self, key: str, pieces: Iterator[bytes], size: int) -> None:
        """Publish ``size`` bytes arriving in ``pieces`` under ``key``, whole or not at all.

        ``pieces`` may raise (the caller hashes as it reads and refuses a
        file that does not verify): the upload is then abandoned, nothing is
        published, and that exception propagates unchanged.
        """
        ...

    def upload_bytes(self, key: str, data: bytes) -> None:
        """Publish a small record under ``key``."""
        ...

    def download(self, key: str) -> Iterator[bytes]:
        """The bytes under ``key`` in pieces; FileNotFoundError when there is none."""
        ...
