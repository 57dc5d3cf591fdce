"""What a person sees: headless Chromium opens the prompts list, a prompt page with its
diff and models, and a model page of a running ``gitprompts serve``.

Skipped when no ``chromium`` is installed (Debian: ``apt-get install -y chromium``).
With ``GITPROMPTS_SCREENSHOTS=DIR`` it also saves screenshots of the three pages
to DIR (``GITPROMPTS_SCREENSHOTS=docs`` refreshes the ones shown in the README).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .serve_seed import CHROMIUM, CHROMIUM_FLAGS, make_env, seed, start_server, stop_server

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def chromium(tmp: Path, *args: str) -> str:
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp / 'chromium-profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str], str]]:
    root = tmp_path_factory.mktemp("browser")
    env = make_env(root)
    facts = seed(env)
    proc, url = start_server(env, "--token", "t", log=root / "server.log")
    try:
        yield root, facts, url
    finally:
        stop_server(proc)


PAGES = {
    "serve-prompts.png": ("/", 900),
    "serve-prompt.png": ("/prompts/summarization-prompt?from=1&to=2&view=side", 1500),
    "serve-model.png": ("/models/{model_id}", 1000),
}


def test_pages_as_a_person_sees_them(site: tuple[Path, dict[str, str], str]) -> None:
    root, facts, url = site
    prompt = chromium(root, "--dump-dom", url + PAGES["serve-prompt.png"][0])
    assert "Plainer wording, keep jargon out" in prompt
    assert 'class="diff side"' in prompt and "You are a careful editor." in prompt
    assert f"/models/{facts['model_id']}" in prompt

    hostile = chromium(root, "--dump-dom", url + "/prompts/hostile")
    # the DOM a browser built: the template is text, no element was injected
    assert "<script>alert(1)" not in hostile and "&lt;script&gt;alert(1)" in hostile
    assert "<img src" not in hostile

    model = chromium(root, "--dump-dom", url + f"/models/{facts['model_id']}")
    assert "prompts:/summarization-prompt@production" in model and "passes" in model

    # Screenshots (3 more browser starts) only when asked for: keeps the suite light.
    if not os.environ.get("GITPROMPTS_SCREENSHOTS"):
        return
    out = Path(os.environ["GITPROMPTS_SCREENSHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    for file, (path, height) in PAGES.items():
        target = out / file
        chromium(
            root,
            f"--screenshot={target}",
            f"--window-size=1280,{height}",
            url + path.format(model_id=facts["model_id"]),
        )
        assert target.stat().st_size > 10_000
