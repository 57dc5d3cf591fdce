"""The artifact endpoint of ``gitprompts serve`` (``/artifacts/``): the team's model store.

The same layout as the local store (``objects/ab/cdef...``, ``models/<id>.json``,
``runs/<run_id>.json``). Reads are open, like a clone: ``GET``/``HEAD KEY``,
and ``GET models/`` lists the models one key per line. ``PUT KEY`` needs the
push token and is refused on a ``--read-only`` server. An upload streams to a
temporary file and is published (renamed under its key) only after it
verifies: an object's sha256 must be its name, a manifest must hash to its
model id and its files must all be here already, a run record must decode
and name its run. A client that goes away mid-upload leaves nothing.

>>> app = ArtifactsApp(Path("artifacts"), tokens=["s3cret"])   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from gitprompts.errors import GitPromptsError
from gitprompts.fs.atomic import atomic_write, atomic_write_stream
from gitprompts.models import manifest as mf
from gitprompts.models import runs
from gitprompts.models.store import object_key

from .auth import check_token
from .git_http import READ_ONLY_MESSAGE, text_response

StartResponse = Callable[..., Any]
PIECE = 1 << 20
KEY = re.compile(
    r"objects/[0-9a-f]{2}/[0-9a-f]{62}|models/[0-9a-f]{64}\.json|runs/[0-9a-f]{32}\.json"
)
LISTS = {"models/": re.compile(r"[0-9a-f]{64}\.json"), "runs/": re.compile(r"[0-9a-f]{32}\.json")}
TOKEN_MESSAGE = (
    "uploading artifacts needs the server's push token ('Authorization: Bearer'); "
    "set GITPROMPTS_TOKEN"
)
MARK = ("X-Gitprompts-Artifacts", "1")  # a 404 from this endpoint, not from a stranger


class _Refused(Exception):
    def __init__(self, status: str, message: str) -> None:
        self.status = status
        self.message = message


class ArtifactsApp:
    """WSGI app serving the artifact store rooted at ``root``."""

    def __init__(self, root: Path, *, tokens: Iterable[str] = (), read_only: bool = False) -> None:
        self.root = Path(root)
        self.tokens: Sequence[str] = [t for t in tokens if t]
        self.read_only = read_only

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        key = environ.get("PATH_INFO", "").lstrip("/")
        try:
            if method in ("GET", "HEAD") and key in LISTS:
                return self._listing(key, start_response, head=method == "HEAD")
            if not KEY.fullmatch(key):
                raise _Refused("404 Not Found", f"no artifact {key[:100]!r} here")
            if method in ("GET", "HEAD"):
                return self._read(key, start_response, head=method == "HEAD")
            if method == "PUT":
                self._authorise(environ)
                self._write(key, environ)
                return text_response(start_response, "201 Created", f"stored {key}")
            raise _Refused("405 Method Not Allowed", "use GET, HEAD or PUT")
        except _Refused as refused:
            extra = [MARK]
            if refused.status.startswith("401"):
                extra.append(("WWW-Authenticate", 'Bearer realm="gitprompts"'))
            return text_response(start_response, refused.status, refused.message, extra)

    def _authorise(self, environ: dict[str, Any]) -> None:
        if self.read_only:
            raise _Refused("403 Forbidden", READ_ONLY_MESSAGE)
        if not check_token(environ.get("HTTP_AUTHORIZATION", ""), self.tokens):
            raise _Refused("401 Unauthorized", TOKEN_MESSAGE)

    def _listing(self, folder: str, start_response: StartResponse, head: bool) -> list[bytes]:
        try:
            names = sorted(n for n in os.listdir(self.root / folder) if LISTS[folder].fullmatch(n))
        except FileNotFoundError:
            names = []
        body = "".join(f"{folder}{n}\n" for n in names).encode()
        start_response(
            "200 OK",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [] if head else [body]

    def _read(self, key: str, start_response: StartResponse, head: bool) -> Iterable[bytes]:
        path = self.root / key
        try:
            f = open(path, "rb")  # noqa: SIM115 - closed by the response iterator
        except FileNotFoundError:
            raise _Refused("404 Not Found", f"no artifact {key} here") from None
        size = os.fstat(f.fileno()).st_size
        start_response(
            "200 OK",
            [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))],
        )
        if head:
            f.close()
            return []
        return _file_pieces(f)

    def _write(self, key: str, environ: dict[str, Any]) -> None:
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            raise _Refused("411 Length Required", "an upload needs Content-Length") from None
        body = environ["wsgi.input"]
        folder = key.partition("/")[0]
        if folder == "objects":
            self._write_object(key, body, length)
            return
        limit = mf.MAX_BYTES if folder == "models" else runs.MAX_BYTES
        if length > limit:
            raise _Refused("413 Content Too Large", f"{key} is over {limit} bytes")
        data = _read_exactly(body, length)
        name = key.rpartition("/")[2].removesuffix(".json")
        try:
            if folder == "models":
                manifest = mf.decode(data, key)
                got = mf.model_id(manifest)
                if got != name:
                    raise _Refused("422 Unprocessable Content", f"{key} hashes to model {got}")
                digests = {f.sha256 for f in manifest.files} | {p.sha256 for p in manifest.prompts}
                missing = [d for d in sorted(digests) if not (self.root / object_key(d)).is_file()]
                if missing:
                    raise _Refused(
                        "409 Conflict",
                        f"{key}: upload its objects first ({len(missing)} missing, "
                        f"e.g. {missing[0]})",
                    )
            else:
                record = runs.decode_record(data, key)
                if record.run_id != name:
                    raise _Refused("422 Unprocessable Content", f"{key} is run {record.run_id}")
        except GitPromptsError as exc:
            raise _Refused("422 Unprocessable Content", str(exc)) from None
        atomic_write(self.root / key, data, tmp_dir=self.root / "tmp")

    def _write_object(self, key: str, body: Any, length: int) -> None:
        digest = key.replace("objects/", "").replace("/", "")
        hasher = hashlib.sha256()

        def pieces() -> Iterator[bytes]:
            left = length
            while left:
                piece = body.read(min(PIECE, left))
                if not piece:
                    raise _Refused("400 Bad Request", f"{key}: the upload broke off")
                left -= len(piece)
                hasher.update(piece)
                yield piece

        def check() -> None:
            if hasher.hexdigest() != digest:
                raise _Refused(
                    "422 Unprocessable Content",
                    f"{key}: the bytes sent hash to {hasher.hexdigest()}, not to their name",
                )

        atomic_write_stream(self.root / key, pieces(), tmp_dir=self.root / "tmp", check=check)


def _read_exactly(body: Any, length: int) -> bytes:
    data = bytearray()
    while len(data) < length:
        piece = body.read(min(PIECE, length - len(data)))
        if not piece:
            raise _Refused("400 Bad Request", "the upload broke off")
        data += piece
    return bytes(data)


def _file_pieces(f: Any) -> Iterator[bytes]:
    with f:
        while piece := f.read(PIECE):
            yield piece


__all__ = ["ArtifactsApp"]
