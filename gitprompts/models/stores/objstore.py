"""``s3://``, ``gs://`` and ``az://`` stores through obstore (the ``s3`` extra).

obstore is one small Rust-backed client for all three clouds, configured the
standard way (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
``AWS_REGION``/``AWS_DEFAULT_REGION``; ``AWS_PROFILE`` through boto3 when it
is installed; ``GOOGLE_*``, ``AZURE_*``), streaming both ways, with parallel
multipart uploads. Measured against boto3 1.44 on moto's server on 127.0.0.1
(50 MB): upload 0.66 vs 0.52 s, streamed download 0.09 vs 0.30 s; see
``benchmarks/bench_artifacts.py`` for the figures at 1 and 200 MB.

>>> store = open("s3://team-models/prod")   # doctest: +SKIP
>>> store.exists("models/" + "0" * 64 + ".json")   # doctest: +SKIP
False
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, NoReturn

from gitprompts.core.urls import without_password
from gitprompts.errors import (
    ArtifactStoreAuthError,
    ArtifactStoreError,
    ArtifactStoreNotFoundError,
    ArtifactStoreUnreachableError,
    ArtifactTransferError,
    GitPromptsError,
    InvalidInputError,
)
from gitprompts.models.stores.base import CHUNK

# Parts uploaded at once: 8 x 8 MiB in flight keeps memory flat (~70 MB at
# most) and saturates a local server; obstore's default is 12 x 5 MB.
MAX_CONCURRENCY = 8


def _client_options() -> dict[str, Any]:
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or ""
    options: dict[str, Any] = {"connect_timeout": "5s", "timeout": "300s"}
    if endpoint.startswith("http://"):
        options["allow_http"] = True  # a local S3-compatible server (moto, MinIO)
    return options


def _retry() -> dict[str, Any]:
    # A dead store must fail in seconds, not after obstore's default 3 minutes.
    seconds = float(os.environ.get("GITPROMPTS_ARTIFACTS_RETRY_SECONDS", "10"))
    return {
        "max_retries": 3,
        "retry_timeout": timedelta(seconds=seconds),
        "backoff": {
            "init_backoff": timedelta(milliseconds=100),
            "max_backoff": timedelta(seconds=2),
            "base": 2,
        },
    }


class ObjectStore:
    """One bucket (and prefix) of an S3-compatible, Google Cloud or Azure store."""

    def __init__(self, url: str) -> None:
        try:
            import obstore
            from obstore.store import from_url
        except ImportError:
            raise InvalidInputError(
                f"artifact store {without_password(url)} needs obstore: "
                "pip install 'gitprompts[s3]'"
            ) from None
        self.url = url
        self._obstore = obstore
        kwargs: dict[str, Any] = {}
        if url.startswith("s3://"):
            # Sign headers, not the body (UNSIGNED-PAYLOAD, what boto3 does over
            # https): otherwise every part is hashed once more only to sign it.
            # Integrity does not rest on it: every object is named by its
            # sha256 and readers verify that before use. 100 MB to moto, same
            # run: signed 0.99 s, unsigned 0.87 s, boto3 upload_file 0.89 s.
            kwargs["unsigned_payload"] = True
        profile = os.environ.get("AWS_PROFILE") and not os.environ.get("AWS_ACCESS_KEY_ID")
        if url.startswith("s3://") and profile:
            kwargs["credential_provider"] = _profile_provider(url)
        try:
            opener: Any = from_url  # one call for three clouds: its overloads are per cloud
            self._store = opener(
                url, client_options=_client_options(), retry_config=_retry(), **kwargs
            )
        except Exception as exc:  # obstore raises its own errors for a malformed URL
            raise ArtifactStoreNotFoundError(url, f"cannot open it: {_first_line(exc)}") from None

    def __repr__(self) -> str:
        return f"ObjectStore({self.url!r})"

    def exists(self, key: str) -> bool:
        try:
            self._obstore.head(self._store, key)
        except FileNotFoundError as exc:
            if "NoSuchBucket" in str(exc):
                self._fail(exc, "HEAD", key)
            return False
        except Exception as exc:
            self._fail(exc, "HEAD", key)
        return True

    def keys(self, prefix: str) -> list[str]:
        try:
            found = []
            for batch in self._obstore.list(self._store, prefix, chunk_size=1000):
                found += [meta["path"] for meta in batch]
            return found
        except Exception as exc:
            self._fail(exc, "LIST", prefix)

    def upload(self, key: str, pieces: Iterator[bytes], size: int) -> None:
        try:
            if size <= CHUNK:
                self._obstore.put(self._store, key, b"".join(pieces), use_multipart=False)
                return
            # A multipart upload, parts sent in parallel; S3 publishes the
            # object only when the upload completes, so one that breaks off,
            # or whose pieces raise, leaves nothing under ``key``.
            self._obstore.put(
                self._store, key, pieces, chunk_size=CHUNK, max_concurrency=MAX_CONCURRENCY
            )
        except GitPromptsError:
            raise  # the caller's refusal (a file that does not verify), raised from ``pieces``
        except Exception as exc:
            self._fail(exc, "PUT", key)

    def upload_bytes(self, key: str, data: bytes) -> None:
        try:
            self._obstore.put(self._store, key, data, use_multipart=False)
        except Exception as exc:
            self._fail(exc, "PUT", key)

    def download(self, key: str) -> Iterator[bytes]:
        try:
            result = self._obstore.get(self._store, key)
        except FileNotFoundError as exc:
            if "NoSuchBucket" in str(exc):
                self._fail(exc, "GET", key)
            raise FileNotFoundError(key) from None
        except Exception as exc:
            self._fail(exc, "GET", key)
        return self._stream(result, key)

    def _stream(self, result: Any, key: str) -> Iterator[bytes]:
        try:
            for piece in result.stream(min_chunk_size=1 << 20):
                yield bytes(piece)
        except Exception as exc:
            self._fail(exc, "GET", key)

    def _fail(self, exc: BaseException, method: str, key: str) -> NoReturn:
        raise _translate(self.url, exc, f"{method} {key}") from None


def _profile_provider(url: str) -> Any:
    try:
        import boto3  # type: ignore[import-untyped]
        from obstore.auth.boto3 import Boto3CredentialProvider
    except ImportError:
        raise InvalidInputError(
            f"artifact store {url}: AWS_PROFILE needs boto3 to read the profile "
            "(pip install boto3), or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        ) from None
    return Boto3CredentialProvider(boto3.Session(profile_name=os.environ["AWS_PROFILE"]))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _translate(url: str, exc: BaseException, what: str) -> ArtifactStoreError:
    """The gitprompts error for an obstore exception (its message, trimmed to one line)."""
    from obstore import exceptions as ox

    text = str(exc)
    line = f"{what}: {_first_line(exc)}"
    if "NoSuchBucket" in text or "NoSuchContainer" in text or "ContainerNotFound" in text:
        return ArtifactStoreNotFoundError(url, f"the bucket does not exist ({what})")
    if isinstance(exc, (ox.PermissionDeniedError, ox.UnauthenticatedError)) or any(
        code in text
        for code in ("403 Forbidden", "401 Unauthorized", "InvalidAccessKeyId", "SignatureDoes")
    ):
        return ArtifactStoreAuthError(url, f"credentials refused ({line})")
    if isinstance(exc, FileNotFoundError):
        return ArtifactStoreNotFoundError(url, line)
    if "error sending request" in text or ("connect" in text.lower() and "refused" in text.lower()):
        return ArtifactStoreUnreachableError(url, line)
    return ArtifactTransferError(url, line)


def open(url: str) -> ObjectStore:
    return ObjectStore(url)
