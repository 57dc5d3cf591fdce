"""``gitprompts serve`` as the team's artifact store, and faults on the wire.

A real ``gitprompts serve`` in a child process; two machines (homes) clone
from it, one logs and pushes with the token, the other loads the model. Faults
(a store that dies mid-transfer) come from a small real HTTP server on
127.0.0.1 that this test starts and that misbehaves on purpose.
"""

from __future__ import annotations

import http.server
import os
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

import gitprompts
from gitprompts import errors
from gitprompts.models.store import Store, sha256
from gitprompts.models.stores import transfers
from gitprompts.registry import Registry

from .artifacts_seed import become, cached_files, write_model_script
from .pty_tools import read_until_closed
from .serve_seed import start_server, stop_server

TOKEN = "s3cret-artifacts"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A served registry (child process) and the home whose artifacts/ is its store."""
    home = tmp_path / "server-home"
    Registry(tmp_path / "server.git")
    env = {**os.environ, "GITPROMPTS_HOME": str(home), "GITPROMPTS_SERVE_TOKEN": TOKEN}
    proc, url = start_server(
        env, "--registry", str(tmp_path / "server.git"), log=tmp_path / "serve.log"
    )
    try:
        yield url, home
    finally:
        stop_server(proc)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())


def _log_and_push(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> str:
    become(tmp_path / "a", monkeypatch)
    gitprompts.clone(f"{url}/git/registry.git", tmp_path / "a" / "registry.git")
    assert gitprompts.sync.artifact_store() == (f"{url}/artifacts", "serve")
    gitprompts.register_prompt("chat", "You are helpful.")
    gitprompts.register_prompt("chat", "You are terse.")
    gitprompts.set_prompt_alias("chat", "production", 1)
    info = gitprompts.log_model(str(write_model_script(tmp_path / "src")), name="bot")
    gitprompts.push()
    gitprompts.set_prompt_alias("chat", "production", 2)
    gitprompts.push()
    return info.model_id


def test_serve_is_the_team_store_and_lists_what_was_pushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: tuple[str, Path]
) -> None:
    url, server_home = server
    monkeypatch.setenv("GITPROMPTS_TOKEN", TOKEN)
    model_id = _log_and_push(tmp_path, monkeypatch, url)
    assert (server_home / "artifacts" / "models" / f"{model_id}.json").is_file()

    monkeypatch.delenv("GITPROMPTS_TOKEN")  # reading needs no token, like a clone
    become(tmp_path / "b", monkeypatch)
    gitprompts.clone(f"{url}/git/registry.git", tmp_path / "b" / "registry.git")
    assert gitprompts.load_model(f"models:/{model_id}").predict("q") == "You are helpful. q"
    assert gitprompts.verify_model(f"models:/{model_id}") == []

    # A registry given as the served URL (a mirror, no clone) finds the same store.
    become(tmp_path / "e", monkeypatch)
    monkeypatch.setenv("GITPROMPTS_REGISTRY", f"{url}/git/registry.git")
    assert gitprompts.sync.artifact_store().url == f"{url}/artifacts"
    assert gitprompts.load_model(f"models:/{model_id}").predict("q") == "You are helpful. q"

    assert model_id[:12] in _get(f"{url}/models")
    page = _get(f"{url}/models/{model_id}")
    assert "passes" in page and "FAILED" not in page
    assert model_id[:12] in _get(f"{url}/prompts/chat")


def test_a_wrong_token_uploads_nothing_and_push_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: tuple[str, Path]
) -> None:
    url, server_home = server
    monkeypatch.setenv("GITPROMPTS_TOKEN", "wrong")
    become(tmp_path / "a", monkeypatch)
    gitprompts.clone(f"{url}/git/registry.git", tmp_path / "a" / "registry.git")
    gitprompts.register_prompt("chat", "You are helpful.")
    with pytest.warns(errors.ArtifactUploadWarning, match="401"):
        gitprompts.log_model(lambda q: q, name="echo", prompts=["chat/1"])
    with pytest.raises(errors.ArtifactStoreAuthError, match="GITPROMPTS_TOKEN"):
        gitprompts.push()
    assert cached_files(server_home) == []


def test_the_endpoint_publishes_only_what_verifies(
    tmp_path: Path, server: tuple[str, Path]
) -> None:
    url, server_home = server
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def put(key: str, data: bytes, headers: dict[str, str] = auth) -> int:
        request = urllib.request.Request(
            f"{url}/artifacts/{key}", data=data, method="PUT", headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    good = b"weights"
    assert put(transfers.object_key(sha256(b"other")), good) == 422  # bytes are not their name
    assert put(transfers.object_key(sha256(good)), good, {}) == 401  # no token
    manifest = b'{"schema_version":1,"flavor":"pyfunc","loader":"pickle","entry":"m.pkl",'
    manifest += b'"files":[{"path":"m.pkl","sha256":"' + sha256(good).encode() + b'","size":7}]}'
    from gitprompts.models import manifest as mf

    model_id = mf.model_id(mf.decode(manifest))
    assert put(f"models/{model_id}.json", manifest) == 409  # its object is not there yet
    assert put(f"models/{'0' * 64}.json", manifest) == 422  # not its id
    assert put("../../etc/passwd", good) == 404
    assert cached_files(server_home) == []
    assert put(transfers.object_key(sha256(good)), good) == 201
    assert put(f"models/{model_id}.json", manifest) == 201
    assert _get(f"{url}/artifacts/models/") == f"models/{model_id}.json\n"

    # A client that sends half its upload and hangs up leaves nothing behind.
    host, port = url.removeprefix("http://").split(":")
    key = transfers.object_key(sha256(b"x" * 1000))
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"PUT /artifacts/{key} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
            f"Authorization: Bearer {TOKEN}\r\n\r\n".encode()
            + b"x" * 10
        )
        sock.shutdown(socket.SHUT_WR)
        sock.recv(1024)
    assert not (server_home / "artifacts" / key).exists()
    assert not [f for f in cached_files(server_home) if f.startswith("tmp/")]


def test_a_read_only_server_refuses_uploads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Registry(tmp_path / "server.git")
    env = {**os.environ, "GITPROMPTS_HOME": str(tmp_path / "server-home")}
    env["GITPROMPTS_SERVE_TOKEN"] = TOKEN
    proc, url = start_server(env, "--registry", str(tmp_path / "server.git"), "--read-only")
    try:
        monkeypatch.setenv("GITPROMPTS_TOKEN", TOKEN)
        monkeypatch.setenv("GITPROMPTS_ARTIFACTS", f"{url}/artifacts")
        with pytest.warns(errors.ArtifactUploadWarning, match="read-only"):
            gitprompts.log_model(lambda q: q, name="echo")
    finally:
        stop_server(proc)


class _Dying(http.server.BaseHTTPRequestHandler):
    """A store that promises whole files and hangs up part way (GET), or mid-upload (PUT)."""

    files: ClassVar[dict[str, bytes]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        key = self.path.removeprefix("/artifacts/")
        data = self.files.get(key)
        if data is None:
            self.send_response(404)
            self.send_header("X-Gitprompts-Artifacts", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        body = data if key.startswith("models/") else data[: len(data) // 2]
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def do_HEAD(self) -> None:
        self.send_response(404)
        self.send_header("X-Gitprompts-Artifacts", "1")
        self.end_headers()

    def do_PUT(self) -> None:
        self.rfile.read(10)
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True


@pytest.fixture
def dying() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Dying)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/artifacts"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_store_that_dies_mid_transfer_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dying: str
) -> None:
    become(tmp_path / "a", monkeypatch)
    info = gitprompts.log_model(lambda q: q.upper(), name="echo")
    root = Store().root
    _Dying.files = {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.parts[len(root.parts)] in ("objects", "models")
    }
    monkeypatch.setenv("GITPROMPTS_ARTIFACTS", dying)
    with pytest.raises(errors.ArtifactTransferError):  # the upload is cut off
        transfers.upload_model(Store(), gitprompts.models.stores.open_store(dying), info.model_id)

    become(tmp_path / "b", monkeypatch)
    with pytest.raises(errors.ArtifactTransferError, match="broke off"):
        gitprompts.load_model(info.model_uri)
    cached = cached_files(tmp_path / "b")
    assert cached == [f"models/{info.model_id}.json"]  # the manifest verified; no half object


def test_an_unreachable_serve_store_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .artifacts_seed import free_port

    monkeypatch.setenv("GITPROMPTS_ARTIFACTS", f"http://127.0.0.1:{free_port()}/artifacts")
    with pytest.raises(errors.ArtifactStoreUnreachableError, match="unreachable"):
        gitprompts.load_model("models:/" + "cd" * 32)
    with pytest.warns(errors.ArtifactUploadWarning, match="push"):
        info = gitprompts.log_model(lambda q: q, name="echo")
    assert gitprompts.load_model(info.model_uri).predict("x") == "x"  # logged here: offline


def test_the_progress_bar_stays_off_the_terminal_when_it_is_not_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bar = transfers.Bar("uploading w.bin", 1 << 30)
    bar(1 << 29)
    bar(1 << 29)
    assert not bar.enabled and capsys.readouterr().err == ""
    assert bar.done == 1 << 30


def test_a_large_transfer_draws_a_progress_bar_on_a_terminal(home: Path) -> None:
    """A subprocess whose stderr is a pseudo-terminal sees the bar; its stdout stays clean."""
    import pty
    import subprocess
    import sys

    code = (
        "from gitprompts.models.stores.transfers import Bar\n"
        "bar = Bar('uploading w.bin', 32 << 20)\n"
        "for _ in range(4): bar(8 << 20)\n"
        "print('done')\n"
    )
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=follower
    ) as process:
        os.close(follower)
        output = read_until_closed(leader)
        assert process.stdout is not None
        assert process.stdout.read() == b"done\n"
        assert process.wait(timeout=60) == 0
    drawn = output.decode()
    assert "uploading w.bin: 100% (32 MiB)" in drawn


def test_a_damaged_local_file_is_never_published_on_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: tuple[str, Path]
) -> None:
    url, server_home = server
    become(tmp_path / "a", monkeypatch)
    info = gitprompts.log_model(lambda q: q * 2, name="echo")
    pickled = next(f for f in info.files if f.path.endswith(".pkl"))
    path = Store().object_path(pickled.sha256)
    path.write_bytes(path.read_bytes()[:-1] + b"!")
    monkeypatch.setenv("GITPROMPTS_TOKEN", TOKEN)
    monkeypatch.setenv("GITPROMPTS_ARTIFACTS", f"{url}/artifacts")
    remote = gitprompts.models.stores.open_store(f"{url}/artifacts")
    with pytest.raises(errors.IntegrityError, match=r"\.pkl"):
        transfers.upload_model(Store(), remote, info.model_id)
    assert not [f for f in cached_files(server_home) if not f.startswith("tmp/")]
    assert not remote.exists(transfers.manifest_key(info.model_id))
