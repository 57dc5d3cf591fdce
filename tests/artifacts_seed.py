"""Helpers for the shared-artifact-store tests: a real S3-compatible server and "machines".

The S3 server is moto's standalone server (``python -m moto.server``), started
by the test session in a subprocess on 127.0.0.1 and stopped at its end. A
"machine" is a ``GITPROMPTS_HOME`` of its own: switching machines points the
process at another home and forgets every open registry.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitprompts import config
from gitprompts.models import pins

MODEL_CODE = """
import gitprompts

AT_IMPORT = gitprompts.load_prompt("prompts:/chat@production")


class Bot:
    def predict(self, question):
        return gitprompts.load_prompt("chat@production").template + " " + question


gitprompts.set_model(Bot())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_moto(
    log: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint + "/", timeout=1).read()
            return proc, endpoint
        except urllib.error.HTTPError:
            return proc, endpoint  # answering (an auth-checking server refuses the probe)
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("moto did not start:\n" + log.read_text()) from None
            time.sleep(0.1)


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a moto S3 server running for the whole session."""
    pytest.importorskip("moto.server")
    pytest.importorskip("obstore")
    proc, endpoint = _start_moto(tmp_path_factory.mktemp("moto") / "moto.log")
    try:
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def moto_checking_credentials(tmp_path: Path) -> Iterator[str]:
    """A moto server that checks signatures (IAM auth on from the first request)."""
    pytest.importorskip("moto.server")
    pytest.importorskip("obstore")
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"}
    proc, endpoint = _start_moto(tmp_path / "moto-auth.log", env)
    try:
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(10)


def make_bucket(endpoint: str) -> str:
    """A new, empty bucket on the moto server (a plain path-style PUT creates one)."""
    name = f"gp-{uuid.uuid4().hex[:12]}"
    request = urllib.request.Request(f"{endpoint}/{name}", method="PUT")
    urllib.request.urlopen(request, timeout=10).read()
    return name


def raw_put(url: str, key: str, data: bytes) -> None:
    """Overwrite an object behind gitprompts' back, as anyone with write access could."""
    import obstore
    from obstore.store import from_url

    obstore.put(from_url(url, client_options={"allow_http": True}), key, data)


@pytest.fixture
def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """AWS settings for the moto server, and a fresh bucket: ``(endpoint, bucket)``."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("GITPROMPTS_ARTIFACTS_RETRY_SECONDS", "2")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return moto_endpoint, make_bucket(moto_endpoint)


def become(machine: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Act as another machine from now on: its own GITPROMPTS_HOME, no open registries."""
    monkeypatch.setenv("GITPROMPTS_HOME", str(machine))
    monkeypatch.delenv("GITPROMPTS_REGISTRY", raising=False)
    config.set_registry(None)
    config.forget_registries()
    pins.forget()
    return machine


def cached_files(home: Path) -> list[str]:
    """Every file under a machine's local artifact cache (``tmp/`` included, to see leftovers)."""
    root = home / "artifacts"
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def write_model_script(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "bot13.py"
    path.write_text(MODEL_CODE)
    return path


__all__ = [
    "become",
    "cached_files",
    "free_port",
    "make_bucket",
    "moto_checking_credentials",
    "moto_endpoint",
    "raw_put",
    "s3",
    "write_model_script",
]
