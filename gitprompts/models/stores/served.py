"""A ``gitprompts serve`` as the team's artifact store: ``http(s)://HOST/artifacts``.

The endpoint (``gitprompts.serve.artifacts``) has the local store's layout:
``GET``/``HEAD KEY`` read (open, like a clone), ``PUT KEY`` writes (with the
push token, ``GITPROMPTS_TOKEN``, as a bearer token), ``GET models/`` lists
keys one per line. The server checks each upload against its name before
publishing it, so a client never needs to trust the server's word alone:
every download is verified again here (``transfers``).

Plain ``http.client``: one request at a time, streamed in 1 MiB pieces.

>>> store = open("http://127.0.0.1:5000/artifacts")   # doctest: +SKIP
>>> store.keys("models/")                             # doctest: +SKIP
['models/3f9c...json']
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import urllib.parse
from collections.abc import Iterator
from contextlib import closing
from typing import NoReturn

from gitprompts.core.urls import without_password
from gitprompts.errors import (
    ArtifactStoreAuthError,
    ArtifactStoreError,
    ArtifactStoreNotFoundError,
    ArtifactStoreUnreachableError,
    ArtifactTransferError,
)

PIECE = 1 << 20
TIMEOUT = 60.0
# A listing is one key (~80 bytes) per line; 64 MiB is 800,000 of them.
MAX_LISTING = 64 << 20


class ServedStore:
    """The artifact endpoint of a ``gitprompts serve``."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        parts = urllib.parse.urlsplit(self.url)
        self._https = parts.scheme.lower() == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._path = parts.path

    def __repr__(self) -> str:
        return f"ServedStore({without_password(self.url)!r})"

    def _connection(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=TIMEOUT, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=TIMEOUT)

    def _headers(self) -> dict[str, str]:
        token = os.environ.get("GITPROMPTS_TOKEN", "").strip()
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _request(
        self,
        method: str,
        key: str,
        body: object = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        conn = self._connection()
        path = self._path + "/" + urllib.parse.quote(key)
        try:
            conn.request(method, path, body=body, headers={**self._headers(), **(headers or {})})  # type: ignore[arg-type]
            response = conn.getresponse()
        except (ConnectionRefusedError, socket.gaierror, TimeoutError) as exc:
            conn.close()
            raise ArtifactStoreUnreachableError(self.url, f"{method} {key}: {exc}") from None
        except OSError as exc:
            conn.close()
            raise ArtifactTransferError(self.url, f"{method} {key}: {exc}") from None
        except BaseException:
            conn.close()  # the body refused itself (a file that does not verify)
            raise
        return conn, response

    def _fail(self, response: http.client.HTTPResponse, what: str) -> NoReturn:
        detail = response.read(2048).decode("utf-8", "replace").strip().splitlines()
        reason = f"{what}: HTTP {response.status} {detail[0] if detail else response.reason}"
        error: ArtifactStoreError
        if response.status in (401, 403):
            error = ArtifactStoreAuthError(self.url, reason)
        elif response.status == 404:
            error = ArtifactStoreNotFoundError(self.url, reason + " (is it a gitprompts serve?)")
        else:
            error = ArtifactTransferError(self.url, reason)
        raise error

    def exists(self, key: str) -> bool:
        conn, response = self._request("HEAD", key)
        with closing(conn):
            response.read()
            if response.status == 200:
                return True
            if response.status == 404 and response.getheader("X-Gitprompts-Artifacts"):
                return False
            self._fail(response, f"HEAD {key}")

    def keys(self, prefix: str) -> list[str]:
        conn, response = self._request("GET", prefix.rstrip("/") + "/")
        with closing(conn):
            if response.status != 200:
                self._fail(response, f"GET {prefix}")
            data = response.read(MAX_LISTING + 1)
        if len(data) > MAX_LISTING:
            raise ArtifactTransferError(self.url, f"listing {prefix} is over {MAX_LISTING} bytes")
        return [line for line in data.decode("utf-8", "replace").splitlines() if line]

    def upload(self, key: str, pieces: Iterator[bytes], size: int) -> None:
        # A body that raises part way (a file that does not verify) is a short
        # upload: the server refuses it and publishes nothing.
        headers = {"Content-Length": str(size), "Content-Type": "application/octet-stream"}
        conn, response = self._request("PUT", key, pieces, headers)
        with closing(conn):
            if response.status not in (200, 201, 204):
                self._fail(response, f"PUT {key}")
            response.read()

    def upload_bytes(self, key: str, data: bytes) -> None:
        headers = {"Content-Length": str(len(data)), "Content-Type": "application/octet-stream"}
        conn, response = self._request("PUT", key, data, headers)
        with closing(conn):
            if response.status not in (200, 201, 204):
                self._fail(response, f"PUT {key}")
            response.read()

    def download(self, key: str) -> Iterator[bytes]:
        conn, response = self._request("GET", key)
        if response.status == 404 and response.getheader("X-Gitprompts-Artifacts"):
            conn.close()
            raise FileNotFoundError(key)
        if response.status != 200:
            with closing(conn):
                self._fail(response, f"GET {key}")
        return self._stream(conn, response, key)

    def _stream(
        self, conn: http.client.HTTPConnection, response: http.client.HTTPResponse, key: str
    ) -> Iterator[bytes]:
        expected = response.length  # from Content-Length; None when the server sent none
        got = 0
        with closing(conn):
            try:
                while piece := response.read(PIECE):
                    got += len(piece)
                    yield piece
            except (OSError, http.client.HTTPException) as exc:
                raise ArtifactTransferError(self.url, f"GET {key} broke off: {exc}") from None
            # http.client's read(n) returns what came before a hang-up without a word.
            if response.length or (expected is not None and got < expected):
                raise ArtifactTransferError(
                    self.url,
                    f"GET {key} broke off after {got} bytes of {got + (response.length or 0)}",
                )


def open(url: str) -> ServedStore:
    return ServedStore(url)
