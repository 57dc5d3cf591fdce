"""``gitprompts serve``: the web UI and the git smart-HTTP endpoint, on one port.

``/`` and the pages under it are the UI (``pages``); ``/git/registry.git``
is the registry for ``git clone``/``fetch``/``push`` (``git_http``);
``/api/2.0/mlflow/...`` is MLflow's prompt REST API (``mlflow_rest``). One
threaded process: a long clone streams from its own ``git http-backend``
child and never blocks the UI.

>>> server = make_server(Path("registry.git"), port=0, tokens=["s3cret"])  # doctest: +SKIP
>>> threading.Thread(target=server.serve_forever, daemon=True).start()     # doctest: +SKIP
>>> server.close()                                                          # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from gitprompts.core.layout import SERVE_ARTIFACTS_PATH, SERVE_GIT_PATH
from gitprompts.errors import GitPromptsError
from gitprompts.models.store import Store

from .artifacts import ArtifactsApp
from .deadline import DeadlineReader
from .git_http import GitApp
from .hookdir import HookDirs
from .llm import Endpoint
from .manage import ManageApp
from .mlflow_rest import MLflowApp, mounted
from .pages import UIApp

log = logging.getLogger("gitprompts.serve")

GIT_PREFIX = SERVE_GIT_PATH  # where clones find it (core.layout: clients derive /artifacts)
# Seconds a client may stay silent, and may take to send its request line and
# headers (nginx's client_header_timeout and client_body_timeout are 60 s).
IDLE_TIMEOUT = 60.0
MAX_REQUEST_LINE = 65536
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def mount(git_app: WSGIApp, ui_app: WSGIApp, prefix: str = GIT_PREFIX) -> WSGIApp:
    """One WSGI app: git under ``prefix`` (also ``/git/registry``), the UI everywhere else.

    >>> app = mount(GitApp(Path("registry.git")), UIApp())   # doctest: +SKIP
    """
    prefixes = (prefix, prefix.removesuffix(".git"))

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        for p in prefixes:
            if path == p or path.startswith(p + "/"):
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + p
                environ["PATH_INFO"] = path[len(p) :]
                return git_app(environ, start_response)
        return ui_app(environ, start_response)

    return app


class _ServerHandler(ServerHandler):
    """wsgiref's response writer; a client that went quiet or away is logged, not traced."""

    def log_exception(self, exc_info: Any) -> None:
        if isinstance(exc_info[1], (ConnectionError, TimeoutError)):
            log.info("client went away mid-response: %s", exc_info[1])
            return
        super().log_exception(exc_info)


class _Handler(WSGIRequestHandler):
    """wsgiref's handler, quiet, answering ``Expect: 100-continue`` (git and curl send it).

    One request per connection. A client idle for ``server.idle_timeout`` seconds, or
    whose request line and headers take longer than that in all, is answered 408 and
    dropped (``deadline``); a transfer that keeps moving runs as long as it needs.
    """

    server: Server
    reader: DeadlineReader

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)  # also bounds each send
        self.rfile.close()  # the plain makefile() reader: replaced by one with a deadline
        self.reader = DeadlineReader(self.connection, self.server.idle_timeout)
        self.rfile = io.BufferedReader(self.reader)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def handle(self) -> None:
        # What send_error reads before parse_request has set it (BaseHTTPRequestHandler
        # resets the same three before its own 414).
        self.requestline, self.request_version, self.command = "", "", ""
        self.reader.start_deadline(self.server.idle_timeout)
        try:
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if len(self.raw_requestline) > MAX_REQUEST_LINE:
                self.send_error(414, None, f"request line longer than {MAX_REQUEST_LINE} bytes")
                return
            if not self.raw_requestline or not self.parse_request():
                return
        except TimeoutError as exc:
            log.info("dropping %s: %s", self.address_string(), exc)
            with contextlib.suppress(OSError):
                self.send_error(408, None, str(exc))
            return
        self.reader.clear_deadline()
        if self.headers.get("Expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()
        handler = _ServerHandler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        app = self.server.get_app()
        assert app is not None
        handler.run(app)


class Server(socketserver.ThreadingMixIn, WSGIServer):
    """A thread per connection; a client that goes away mid-clone only ends its own thread."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128
    hook_dirs: HookDirs | None = None
    idle_timeout = IDLE_TIMEOUT

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            log.info("client %s went away: %s", client_address, exc)
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = host if isinstance(host, str) else host.decode()
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{port}"

    def close(self) -> None:
        """Stop serving (when serve_forever runs) and release the socket and hook directories."""
        self.shutdown()
        self.server_close()

    def server_close(self) -> None:
        super().server_close()
        if self.hook_dirs is not None:
            self.hook_dirs.close()
            self.hook_dirs = None


class _Server6(Server):
    address_family = socket.AF_INET6


def make_server(
    registry: Path,
    host: str = "127.0.0.1",
    port: int = 5000,
    *,
    tokens: Iterable[str] = (),
    read_only: bool = False,
    idle_timeout: float = IDLE_TIMEOUT,
) -> Server:
    """A bound, not yet running, server for the registry at ``registry``.

    >>> srv = make_server(Path("registry.git"), port=0, tokens=["s3cret"])  # doctest: +SKIP
    >>> srv.serve_forever()                                                 # doctest: +SKIP
    """
    if shutil.which("git") is None:
        raise GitPromptsError("gitprompts serve needs the git command (git http-backend)")
    cls = _Server6 if ":" in host else Server
    try:
        server = cls((host, port), _Handler)
    except OSError as exc:
        raise GitPromptsError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    server.hook_dirs = HookDirs()
    server.idle_timeout = idle_timeout
    tokens = list(tokens)  # read by three apps
    git_app = GitApp(registry, tokens=tokens, read_only=read_only, hooks=server.hook_dirs)
    ui_app: WSGIApp = UIApp(registry, clone_url=server.url + GIT_PREFIX)
    if tokens and not read_only:  # sign in, and manage prompts from the UI (manage)
        endpoint = Endpoint.from_environ(os.environ)  # the playground's "Run", if configured
        ui_app = ManageApp(registry, server.url + GIT_PREFIX, tokens=tokens, endpoint=endpoint)
    # The team's artifact store: this process's local store, beside git and the UI.
    artifacts_app = ArtifactsApp(Store().root, tokens=tokens, read_only=read_only)
    # MLflow's client (MLFLOW_TRACKING_URI=this server) gets its prompt REST API under /api/.
    mlflow_app = MLflowApp(registry, tokens=tokens, read_only=read_only)
    server.set_app(
        mount(
            artifacts_app,
            mount(git_app, mounted(mlflow_app, ui_app)),
            prefix=SERVE_ARTIFACTS_PATH,
        )
    )
    return server


def serve_until_stopped(server: Server) -> None:
    """Run ``server`` until Ctrl-C or SIGTERM, then close it (and its hook directories).

    >>> serve_until_stopped(make_server(Path("registry.git"), port=5000))  # doctest: +SKIP
    """
    import signal

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


__all__ = ["GIT_PREFIX", "IDLE_TIMEOUT", "Server", "make_server", "mount", "serve_until_stopped"]
