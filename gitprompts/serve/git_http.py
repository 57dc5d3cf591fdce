"""Git smart HTTP for one bare repository: git's own ``git http-backend`` behind WSGI.

Why not dulwich's server: measured on this machine it spends its time in
Python per ref and per object (ref advertisement ~230 µs/ref, object
enumeration walking every tree of every commit), so a 100,000-tag registry
did not finish cloning in minutes. ``git http-backend`` streams the same
protocol from C at the speed of a plain ``git clone`` (README: "Serve").

Only the smart protocol is served::

    GET  /info/refs?service=git-upload-pack|git-receive-pack
    POST /git-upload-pack
    POST /git-receive-pack

Reads are anonymous; ``git-receive-pack`` needs a token (``auth.check``) and
is refused with 403 when the server is read-only. A push runs exactly the
hooks a push straight to the repository runs, plus the gitprompts policy, so
a refused push shows the rule's one-line reason as ``remote: ...``:

- when the registry's own ``pre-receive`` is the one ``gitprompts hooks
  install`` writes, git runs the registry's hooks as they are (that hook
  already runs the policy after its ``pre-receive.legacy``);
- otherwise ``core.hooksPath`` points at a directory serve owns
  (``make_hooks_dir``): its ``pre-receive`` runs the registry's own
  ``pre-receive`` first (as its ``.legacy``) and then the policy, and each
  other hook receive-pack runs is forwarded to the registry's hook of that
  name, with serve's own git settings taken out of its environment.

>>> app = GitApp(Path("registry.git"), tokens=["s3cret"])   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl

from .auth import check_token
from .hookdir import (
    REGISTRY_HOOKS,
    HookDirs,
    make_hooks_dir,
    policy_installed,
    present_hooks,
    registry_hooks_dir,
)

log = logging.getLogger("gitprompts.serve.git")

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

SERVICES = ("git-upload-pack", "git-receive-pack")
READ_CHUNK = 64 * 1024
MAX_CHUNK = 16 << 20
READ_ONLY_MESSAGE = "this gitprompts registry is served read-only (--read-only): pushes are refused"
TOKEN_MESSAGE = "pushing needs the server's token (HTTP basic password or 'Authorization: Bearer')"


# -- request bodies -----------------------------------------------------------


def _dechunk(rfile: IO[bytes]) -> Iterator[bytes]:
    """Decode an HTTP/1.1 chunked body (git sends one when a request exceeds postBuffer)."""
    while True:
        line = rfile.readline(1024)
        if not line:
            raise EOFError("client went away in a chunked body")
        size = int(line.split(b";", 1)[0].strip() or b"0", 16)
        if size < 0 or size > MAX_CHUNK:
            raise ValueError("bad chunk size")
        if size == 0:
            while rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                pass
            return
        left = size
        while left:
            data = rfile.read(min(left, READ_CHUNK))
            if not data:
                raise EOFError("client went away in a chunk")
            left -= len(data)
            yield data
        rfile.readline(8)


def _fixed(rfile: IO[bytes], length: int) -> Iterator[bytes]:
    left = length
    while left > 0:
        data = rfile.read(min(left, READ_CHUNK))
        if not data:
            raise EOFError("client went away before Content-Length bytes")
        left -= len(data)
        yield data


def request_body(environ: Environ) -> Iterator[bytes]:
    """The raw (possibly gzip'd: http-backend inflates it) request body, de-chunked."""
    rfile = environ["wsgi.input"]
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
        return _dechunk(rfile)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return _fixed(rfile, length)


# -- responses ----------------------------------------------------------------


def text_response(
    start_response: StartResponse,
    status: str,
    message: str,
    headers: Iterable[tuple[str, str]] = (),
) -> list[bytes]:
    """A one-line text/plain answer (git prints such a body as ``remote: ...``)."""
    body = (message.rstrip("\n") + "\n").encode()
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-cache"),
            *headers,
        ],
    )
    return [body]


class _Streamed:
    """Streams the child's stdout; ``close()`` (called by the WSGI server, also when the
    client went away mid-transfer) kills and reaps the child."""

    def __init__(
        self, proc: subprocess.Popen[bytes], first: bytes, feeder: threading.Thread | None
    ) -> None:
        self.proc = proc
        self.first = first
        self.feeder = feeder

    def __iter__(self) -> Iterator[bytes]:
        if self.first:
            yield self.first
        out = self.proc.stdout
        assert out is not None
        while True:
            data = out.read1(READ_CHUNK)  # type: ignore[attr-defined]
            if not data:
                break
            yield data

    def close(self) -> None:
        proc = self.proc
        if proc.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5 if self._at_eof() else 0)
            if proc.poll() is None:
                log.info("killing git http-backend pid %s (client gone)", proc.pid)
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stdin):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if self.feeder is not None:
            self.feeder.join(timeout=5)

    def _at_eof(self) -> bool:
        try:
            return self.proc.stdout is None or self.proc.stdout.peek(1) == b""  # type: ignore[attr-defined]
        except (ValueError, OSError):
            return True


# -- the app ------------------------------------------------------------------


class GitApp:
    """WSGI app serving ``repo`` over git's smart HTTP via ``git http-backend``.

    >>> app = GitApp(Path("registry.git"), tokens=["s3cret"], read_only=False)  # doctest: +SKIP
    """

    def __init__(
        self,
        repo: Path,
        *,
        tokens: Iterable[str] = (),
        read_only: bool = False,
        hooks: HookDirs | None = None,
        git: str = "git",
    ) -> None:
        self.repo = repo.absolute()
        self.tokens = [t for t in tokens if t]
        self.read_only = read_only
        self.hooks = hooks
        self.git = git

    def _hooks_env(self) -> dict[str, str]:
        """Settings that make a push run the registry's hooks and the policy (``hookdir``).

        Decided per push: an admin may install a hook or a freeze while serve runs.
        """
        if self.hooks is None:
            return {}
        own = registry_hooks_dir(self.repo)
        if policy_installed(own):
            return {}  # git runs the registry's hooks as they are, policy included
        ours = self.hooks.for_hooks(present_hooks(own))
        return {"core.hooksPath": os.fspath(ours), REGISTRY_HOOKS: os.fspath(own)}

    def _cgi_env(
        self, environ: Environ, path_info: str, service: str, hooks: dict[str, str]
    ) -> dict[str, str]:
        # Nothing here loosens a receive.* setting of the registry: a push through
        # serve is refused whenever a direct push would be.
        config = {
            "http.uploadpack": "true",
            "http.receivepack": "false" if self.read_only else "true",
            "uploadpack.allowFilter": "true",
        }
        if "core.hooksPath" in hooks:
            config["core.hooksPath"] = hooks["core.hooksPath"]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/"),
            "GIT_PROJECT_ROOT": os.fspath(self.repo.parent),
            "PATH_INFO": "/" + self.repo.name + path_info,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "REQUEST_METHOD": environ["REQUEST_METHOD"],
            # Exactly what was checked: git never sees a parameter serve did not.
            "QUERY_STRING": f"service={service}" if environ["REQUEST_METHOD"] == "GET" else "",
            "CONTENT_TYPE": environ.get("CONTENT_TYPE", ""),
            "REMOTE_ADDR": environ.get("REMOTE_ADDR", ""),
            "REMOTE_USER": environ.get("REMOTE_USER", ""),
            "SERVER_PROTOCOL": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "GIT_CONFIG_COUNT": str(len(config)),
        }
        # The limits the server's readers run with (GITPROMPTS_MAX_PROMPT_BYTES ...)
        # must hold in its hook too; nothing else of ours (a token) goes to git.
        env.update({k: v for k, v in os.environ.items() if k.startswith("GITPROMPTS_MAX_")})
        for i, (key, value) in enumerate(config.items()):
            env[f"GIT_CONFIG_KEY_{i}"] = key
            env[f"GIT_CONFIG_VALUE_{i}"] = value
        if REGISTRY_HOOKS in hooks:
            env[REGISTRY_HOOKS] = hooks[REGISTRY_HOOKS]
        for key in ("HTTP_GIT_PROTOCOL", "HTTP_CONTENT_ENCODING"):
            if environ.get(key):
                env[key] = environ[key]
        chunked = environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
        if environ.get("CONTENT_LENGTH") and not chunked:
            env["CONTENT_LENGTH"] = environ["CONTENT_LENGTH"]
        for key in ("LANG", "LC_ALL", "TMPDIR", "GIT_CONFIG_GLOBAL", "GIT_EXEC_PATH"):
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        query = environ.get("QUERY_STRING", "")
        service: str | None
        if method == "GET" and path == "/info/refs":
            given = [v for k, v in parse_qsl(query, keep_blank_values=True) if k == "service"]
            if len(given) > 1:
                # serve and git http-backend must act on one value: refuse rather than
                # guess which one git would take (it decodes %XX and takes the last).
                return text_response(
                    start_response,
                    "400 Bad Request",
                    f"the query gives 'service' {len(given)} times; give it once "
                    f"({' or '.join(SERVICES)})",
                )
            service = given[0] if given else None
            if service not in SERVICES:
                return text_response(
                    start_response, "403 Forbidden", "only git's smart HTTP protocol is served"
                )
        elif method == "POST" and path in ("/git-upload-pack", "/git-receive-pack"):
            service = path[1:]
            if environ.get("CONTENT_TYPE") != f"application/x-{service}-request":
                return text_response(start_response, "415 Unsupported Media Type", "bad type")
        else:
            return text_response(start_response, "404 Not Found", "not found")

        if service == "git-receive-pack":
            if self.read_only:
                return text_response(start_response, "403 Forbidden", READ_ONLY_MESSAGE)
            if not check_token(environ.get("HTTP_AUTHORIZATION", ""), self.tokens):
                return text_response(
                    start_response,
                    "401 Unauthorized",
                    TOKEN_MESSAGE,
                    [("WWW-Authenticate", 'Basic realm="gitprompts"')],
                )
            environ["REMOTE_USER"] = "token"

        body = request_body(environ) if method == "POST" else None
        # Only a POST to receive-pack runs hooks.
        hooks = self._hooks_env() if body is not None and service == "git-receive-pack" else {}
        proc = subprocess.Popen(
            [self.git, "http-backend"],
            env=self._cgi_env(environ, path, service, hooks),
            cwd=self.repo,
            stdin=subprocess.PIPE if body is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        threading.Thread(target=_drain_stderr, args=(proc,), daemon=True).start()
        feeder = None
        if body is not None:
            feeder = threading.Thread(target=_feed, args=(proc, body), daemon=True)
            feeder.start()
        try:
            status, headers, first = _read_cgi_headers(proc)
        except Exception:
            proc.kill()
            proc.wait()
            raise
        response = _Streamed(proc, first, feeder)
        start_response(status, headers)
        return response


def _feed(proc: subprocess.Popen[bytes], body: Iterator[bytes]) -> None:
    stdin = proc.stdin
    assert stdin is not None
    try:
        for chunk in body:
            stdin.write(chunk)
            stdin.flush()
    except (OSError, ValueError, EOFError) as exc:
        log.info("request body feed stopped: %s", exc)
    finally:
        with contextlib.suppress(OSError):
            stdin.close()


def _drain_stderr(proc: subprocess.Popen[bytes]) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        log.warning("git http-backend: %s", line.decode(errors="replace").rstrip())
    proc.stderr.close()


def _read_cgi_headers(proc: subprocess.Popen[bytes]) -> tuple[str, list[tuple[str, str]], bytes]:
    out = proc.stdout
    assert out is not None
    buf = b""
    while True:
        crlf, lf = buf.find(b"\r\n\r\n"), buf.find(b"\n\n")
        if crlf >= 0 or lf >= 0:
            break
        data = out.read1(READ_CHUNK)  # type: ignore[attr-defined]
        if not data:
            raise RuntimeError("git http-backend exited without headers")
        buf += data
        if len(buf) > 65536:
            raise RuntimeError("CGI headers too long")
    if crlf >= 0 and (lf < 0 or crlf < lf):
        head, rest = buf[:crlf], buf[crlf + 4 :]
    else:
        head, rest = buf[:lf], buf[lf + 2 :]
    status = "200 OK"
    headers = []
    for line in head.decode("latin-1").splitlines():
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = value.strip()
        elif key:
            headers.append((key.strip(), value.strip()))
    return status, headers, rest


__all__ = ["GitApp", "make_hooks_dir", "request_body", "text_response"]
