"""``gitprompts serve`` against clients that try to break it.

A slow page does not hold up the others; an idle or dripping client is
dropped after the timeout while slow-but-moving git transfers carry on; a
repeated ``service`` parameter never reaches receive-pack without the token;
an over-long request line is answered and the server keeps serving; a token
on the command line is warned about. Real servers on 127.0.0.1 (in this
process, or a child process where a page burns CPU), raw sockets, the git CLI.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gitprompts.registry import Registry
from gitprompts.serve import Server, make_server

from .serve_seed import make_env, start_server, stop_server

TOKEN = "s3cret"


@contextmanager
def running(registry: Path, **options: float) -> Iterator[Server]:
    """``gitprompts serve`` on 127.0.0.1 (a free port) in this process, for one block."""
    server = make_server(registry, port=0, tokens=[TOKEN], **options)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join(10)


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def _get(url: str, timeout: float = 30) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    reg = Registry(tmp_path / "registry.git")
    reg.register("greet", "Hello {{ name }}")
    return reg.path


def test_a_slow_page_does_not_hold_up_the_prompt_list(tmp_path: Path) -> None:
    """A prompt page that takes a second or more to render runs beside ``GET /``.

    1 MB of ``{{ x }} <`` is 100,000 highlighted variables (about 1.2 s of rendering
    on an idle 2-core machine). The server is a child process: the slow page burns
    CPU there, not here.
    """
    env = make_env(tmp_path)
    reg = Registry(Path(env["GITPROMPTS_HOME"]) / "registry.git")
    reg.register("huge", "{{ x }} <\n" * 100_000)
    reg.register("small", "Hello {{ name }}")
    proc, url = start_server(env, log=tmp_path / "server.log")
    try:
        assert _get(url + "/prompts/small")[0] == 200  # warm: the server has its registry open
        finished: dict[str, float] = {}

        def slow() -> None:
            assert _get(url + "/prompts/huge", timeout=120)[0] == 200
            finished["huge"] = time.monotonic()

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.3)  # the huge page is being rendered now
        status, body, _ = _get(url + "/")
        finished["list"] = time.monotonic()
        thread.join(120)
        assert status == 200 and b"/prompts/huge" in body
        # Behind a lock the list could only be rendered after the huge page, and would
        # arrive at most the few ms it takes to send 4 MB before it.
        assert finished["huge"] - finished["list"] > 0.25, "GET / waited for the huge page"
    finally:
        stop_server(proc)
