"""Helpers for the tests that run MLflow's own client and server (``test_mlflow_*``).

MLflow runs only in child processes (``sys.executable``, which has it when the
``test`` extra is installed): importing it takes seconds and changes global
state, so the test process itself never does.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SOURCE_ROOT = str(HERE.parent)
HAVE_MLFLOW = importlib.util.find_spec("mlflow") is not None
needs_mlflow = pytest.mark.skipif(
    not HAVE_MLFLOW, reason="MLflow is not installed (pip install '.[test]')"
)


def child_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of an MLflow child: this test's home, our sources first, no stray MLflow settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    # A refused connection fails at once instead of after minutes of retries.
    env.update(HOME=str(home), PYTHONPATH=SOURCE_ROOT, GIT_PYTHON_REFRESH="quiet",
               MLFLOW_HTTP_REQUEST_MAX_RETRIES="0", MLFLOW_HTTP_REQUEST_TIMEOUT="120", **extra)  # fmt: skip
    return env


# URL of a started mlflow server -> the URI of its sqlite store (to read it directly too).
STORES: dict[str, str] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def start_mlflow_server(workdir: Path, timeout: float = 120.0) -> Iterator[str]:
    """``mlflow server`` on sqlite in ``workdir``, until the block ends; yields its URL."""
    if not HAVE_MLFLOW:
        pytest.skip("MLflow is not installed (pip install '.[test]')")
    port = free_port()
    log = (workdir / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri",
         f"sqlite:///{workdir}/mlflow.db", "--default-artifact-root", str(workdir / "artifacts"),
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        cwd=workdir, env=child_env(workdir), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"mlflow server did not start:\n{(workdir / 'server.log').read_text()[-3000:]}"
                )
            time.sleep(0.3)
        STORES[url] = f"sqlite:///{workdir}/mlflow.db"
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def run_mlflow(script: str, *args: str, home: Path, timeout: float = 180, **env: str) -> str:
    """Run ``tests/<script>`` with MLflow's client in a child; its stdout (fails on a non-zero exit)."""
    done = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        capture_output=True, text=True, timeout=timeout, env=child_env(home, **env),
    )  # fmt: skip
    if done.returncode != 0:
        raise AssertionError(f"{script} failed:\n{done.stderr[-5000:]}")
    return done.stdout


def api(
    url: str, method: str, endpoint: str, body: object = None, token: str | None = None
) -> tuple[int, dict[str, object]]:
    """One call of MLflow's REST API with plain urllib: (status, JSON answer)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + "/api/2.0/mlflow/" + endpoint, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
