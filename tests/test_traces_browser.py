"""What a person sees of a trace: headless Chromium opens the Traces pages of a running
``gitprompts serve`` holding the seed's example 2 invoked with tracing on.

Skipped when no ``chromium`` is installed. With ``GITPROMPTS_SCREENSHOTS=DIR`` it also
saves ``serve-trace.png`` to DIR (``GITPROMPTS_SCREENSHOTS=docs`` refreshes the README's).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import traces_seed
from .serve_seed import make_env, start_server, stop_server
from .test_serve_browser import CHROMIUM, chromium

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
pytest.importorskip("langgraph")
pytest.importorskip("opentelemetry.sdk")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str], str]]:
    root = tmp_path_factory.mktemp("traces-browser")
    env = make_env(root)
    out = subprocess.run(
        [sys.executable, traces_seed.__file__], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    proc, url = start_server(env, "--token", "t", log=root / "server.log")
    try:
        yield root, facts, url
    finally:
        stop_server(proc)


def test_trace_pages_as_a_person_sees_them(site: tuple[Path, dict[str, str], str]) -> None:
    root, facts, url = site
    page = chromium(root, "--dump-dom", f"{url}/traces/{facts['trace_id']}")
    # The DOM the browser built: the prompt and question are text, nothing was injected.
    assert "You are an expert in programming. &lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=" not in page and "<script>alert" not in page
    assert 'href="/prompts/chat-prompt?v=1"' in page
    assert f'href="/models/{facts["model_id"]}"' in page
    prompt = chromium(root, "--dump-dom", f"{url}/prompts/chat-prompt")
    assert f'href="/traces/{facts["trace_id"]}"' in prompt

    if not os.environ.get("GITPROMPTS_SCREENSHOTS"):
        return
    out = Path(os.environ["GITPROMPTS_SCREENSHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    target = out / "serve-trace.png"
    chromium(
        root,
        f"--screenshot={target}",
        "--window-size=1280,1400",
        f"{url}/traces/{facts['trace_id']}",
    )
    assert target.stat().st_size > 10_000
