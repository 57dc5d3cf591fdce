"""Populate a registry + artifact store for the serve tests and screenshots.

Run in a child process with GITPROMPTS_HOME set: ``python tests/serve_seed.py``.
Prints one JSON line: {"model_id": ..., "run_id": ..., "registry": ...}.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import gitprompts

if TYPE_CHECKING:
    from gitprompts.serve import Server

# The browser tests' chromium and its flags (no sandbox in a container, no network noise).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
SOURCE_ROOT = str(Path(__file__).resolve().parent.parent)

HOSTILE = '<script>alert(1)</script> Summarize "{{ text }}" & </pre><img src=x onerror=alert(2)>'
LONG = "word " * 400 + "x" * 3000 + " {{ tail }}"


def summarize(model_input: object) -> str:
    prompt = gitprompts.load_prompt("prompts:/summarization-prompt@production")
    assert prompt is not None
    return str(prompt.format(num_sentences=1, sentences=str(model_input)))


def main() -> None:
    reg = gitprompts.get_registry()
    gitprompts.register_prompt(
        "summarization-prompt",
        "Summarize in {{ num_sentences }} sentences: {{ sentences }}",
        commit_message="First draft",
        tags={"team": "search"},
    )
    gitprompts.register_prompt(
        "summarization-prompt",
        "You are a careful editor.\nSummarize the text below in {{ num_sentences }} "
        "plain sentences, no jargon.\n\nText:\n{{ sentences }}",
        commit_message="Plainer wording, keep jargon out",
        tags={"team": "search"},
        model_config={"temperature": 0.2, "max_tokens": 200},
    )
    gitprompts.set_prompt_alias("summarization-prompt", "production", 2)
    gitprompts.register_prompt(
        "support-chat",
        [
            {"role": "system", "content": "You help customers of {{ company }}. Be brief."},
            {"role": "user", "content": "{{ question }}"},
        ],
        commit_message="Chat prompt for support",
        response_format={"type": "object", "properties": {"answer": {"type": "string"}}},
        tags={"team": "support"},
    )
    gitprompts.register_prompt("hostile", HOSTILE, commit_message="<b>bold</b> message")
    gitprompts.register_prompt("hostile", HOSTILE + "\nmore", commit_message="second")
    gitprompts.register_prompt("long-line", LONG, commit_message="very long line")
    gitprompts.register_prompt(
        "multilingual",
        "日本語で要約してください: {{ text }}\nПереведите: {{ text }}\nالعربية {{ text }}",
        commit_message="non-Latin scripts: 日本語, русский, العربية",
    )
    with gitprompts.start_run(run_name="summarizer-model") as run:
        info = gitprompts.log_model(
            summarize, "model", prompts=["prompts:/summarization-prompt@production"]
        )
        gitprompts.log_model(summarize, "chat-model", prompts=["prompts:/support-chat/1"])
    print(
        json.dumps(
            {"model_id": info.model_id, "run_id": run.info.run_id, "registry": str(reg.path)}
        )
    )


def make_env(root: Path) -> dict[str, str]:
    """An environment for child processes: own home, no user/system git config."""
    fake_home = root / "fake-home"
    fake_home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITPROMPTS_", "GIT_"))}
    env.update(
        PYTHONPATH=SOURCE_ROOT,
        HOME=str(fake_home),
        GITPROMPTS_HOME=str(root / "home"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(fake_home / ".gitconfig"),
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME="Test Author",
        GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Test Author",
        GIT_COMMITTER_EMAIL="author@example.com",
    )
    return env


def seed(env: dict[str, str]) -> dict[str, str]:
    """Run this module's ``main`` in a child process; its JSON line."""
    out = subprocess.run(
        [sys.executable, __file__],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, str] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def start_server(
    env: dict[str, str], *args: str, log: Path | None = None
) -> tuple[subprocess.Popen[str], str]:
    """``gitprompts serve --port 0 ARGS`` in a child process; (process, base URL).

    Its stderr goes to ``log`` (never a pipe nobody reads: that would block it).
    """
    err = open(log, "a") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitprompts", "serve", "--port", "0", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=err,
        text=True,
    )
    if log is not None:
        err.close()  # type: ignore[union-attr]
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if "web UI" in line:
            return proc, line.split()[-1].rstrip("/")
    proc.kill()
    proc.communicate()
    detail = log.read_text() if log is not None else ""
    raise RuntimeError(f"server did not start: {detail}")


def stop_server(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


if __name__ == "__main__":
    sys.exit(main())


@contextmanager
def running(registry: Path, token: str, idle_timeout: float | None = None) -> Iterator[Server]:
    """``gitprompts serve`` on 127.0.0.1 (a free port) in this process, for one block."""
    import threading

    from gitprompts.serve import IDLE_TIMEOUT, make_server

    server = make_server(
        registry,
        port=0,
        tokens=[token],
        idle_timeout=IDLE_TIMEOUT if idle_timeout is None else idle_timeout,
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join(10)
