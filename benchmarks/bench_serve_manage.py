#!/usr/bin/env python3
"""The management pages of ``gitprompts serve`` on a big registry, beside their peers.

Usage:
  bench_serve_manage.py REPO.git [--reps 7]

Starts ``gitprompts serve`` (a child process, with a token) on a copy of
REPO.git, signs in over HTTP as a browser would, and times, medians of
``--reps``:

- the read-only pages signed in vs signed out (what the management links cost);
- the text search (``git grep``) beside the name search on the same list;
- a prompt's History tab (``git log`` over its two paths, one page);
- saving a new version and moving an alias through the UI (form post, redirect
  followed) beside the same writes through the Python API (``register_prompt``,
  ``set_prompt_alias`` in a fresh process per batch, timed inside it).

Build a registry first, e.g.
``build_registry.py /tmp/reg-10k.git --prompts 10000 --versions 2 --notes 0``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"


class Client:
    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, fields: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for k, v in response.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        location = response.getheader("Location") or ""
        conn.close()
        return response.status, text, location


def timed(fn, reps: int) -> float:
    fn()  # warm
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def start(repo: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    token_file = repo.parent / "token"
    token_file.write_text(TOKEN + "\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gitprompts",
            "serve",
            "--registry",
            str(repo),
            "--port",
            "0",
            "--token-file",
            str(token_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "web UI" in line:
            return proc, line.split()[-1].rstrip("/")
    raise RuntimeError("serve did not start")


API_SCRIPT = """
import sys, time, json, gitprompts
gitprompts.set_registry(sys.argv[1])
name, reps = sys.argv[2], int(sys.argv[3])
gitprompts.register_prompt(name, "warm {{ x }}")
reg, alias = [], []
for i in range(reps):
    t = time.perf_counter(); v = gitprompts.register_prompt(name, f"api {i} {{{{ x }}}}"); reg.append(time.perf_counter() - t)
    t = time.perf_counter(); gitprompts.set_prompt_alias(name, "bench", v.version); alias.append(time.perf_counter() - t)
print(json.dumps({"register": reg, "alias": alias}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("repo", type=Path)
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-manage-"))
    repo = work / "registry.git"
    shutil.copytree(args.repo, repo, symlinks=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GITPROMPTS_HOME": str(work / "home"),
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    proc, url = start(repo, env)
    results: dict[str, float] = {}
    try:
        anon, me = Client(url), Client(url)
        _, page, _ = me.request("GET", "/signin")
        nonce = re.search(r'name="nonce" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
        status, _, _ = me.request(
            "POST",
            "/signin",
            {"nonce": nonce, "token": TOKEN, "name": "Ada", "email": "ada@example.com"},
        )
        assert status == 303, status
        _, listing, _ = anon.request("GET", "/")
        name = re.search(r'href="/prompts/([^"?]+)"', listing).group(1)  # type: ignore[union-attr]
        r = args.reps
        # The server walks main once at start (the History index); wait for it, so it
        # does not compete with the pages timed below. Its cost is reported on its own.
        t = time.perf_counter()
        me.request("GET", f"/prompts/{name}/history")
        results["first History page (waits for the index walk)"] = time.perf_counter() - t
        for label, client in (("signed out", anon), ("signed in", me)):
            results[f"list page, {label}"] = timed(lambda c=client: c.request("GET", "/"), r)
            results[f"prompt page, {label}"] = timed(
                lambda c=client: c.request("GET", f"/prompts/{name}"), r
            )
        results["name search (?q=)"] = timed(lambda: anon.request("GET", "/?q=prompt-0999"), r)
        results["text search (?text=)"] = timed(
            lambda: anon.request("GET", "/?text=prompt-0999"), r
        )
        results["History tab"] = timed(lambda: me.request("GET", f"/prompts/{name}/history"), r)
        results["alias history"] = timed(
            lambda: me.request("GET", f"/prompts/{name}/history?alias=bench"), r
        )
        results["playground render"] = timed(
            lambda: me.request("GET", f"/prompts/{name}/playground?render=1"), r
        )
        csrf = re.search(r'name="csrf" value="([^"]*)"', me.request("GET", "/")[1]).group(1)  # type: ignore[union-attr]
        ui_name = "bench-ui"
        me.request(
            "POST",
            "/new",
            {
                "csrf": csrf,
                "name": ui_name,
                "base": "0",
                "type": "text",
                "template": "warm",
                "action": "save",
            },
        )
        saves, moves, save_posts, move_posts = [], [], [], []
        for i in range(r):
            base = str(i + 1)
            t = time.perf_counter()
            status, _, loc = me.request(
                "POST",
                f"/prompts/{ui_name}/new",
                {
                    "csrf": csrf,
                    "base": base,
                    "type": "text",
                    "template": f"ui {i} {{{{ x }}}}",
                    "action": "save",
                },
            )
            assert status == 303, status
            save_posts.append(time.perf_counter() - t)
            me.request("GET", loc)
            saves.append(time.perf_counter() - t)
            expected = "" if i == 0 else str(i + 1)
            t = time.perf_counter()
            status, _, loc = me.request(
                "POST",
                f"/prompts/{ui_name}/alias",
                {
                    "csrf": csrf,
                    "alias": "bench",
                    "to": str(i + 2),
                    "expected": expected,
                    "action": "move",
                },
            )
            assert status == 303, status
            move_posts.append(time.perf_counter() - t)
            me.request("GET", loc)
            moves.append(time.perf_counter() - t)
        results["new version through the UI (post + page)"] = statistics.median(saves)
        results["alias move through the UI (post + history)"] = statistics.median(moves)
        page = f"/prompts/{ui_name}"
        results["prompt page with an alias, signed out"] = timed(
            lambda: anon.request("GET", page), r
        )
        # signed in, the page also says who last moved each alias (the History index)
        results["prompt page with an alias, signed in"] = timed(lambda: me.request("GET", page), r)
        results["new version through the UI (post only)"] = statistics.median(save_posts)
        results["alias move through the UI (post only)"] = statistics.median(move_posts)
    finally:
        proc.terminate()
        proc.wait(10)
    out = subprocess.run(
        [sys.executable, "-c", API_SCRIPT, str(repo), "bench-api", str(r)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    api = json.loads(out.stdout)
    results["register_prompt (API)"] = statistics.median(api["register"])
    results["set_prompt_alias (API)"] = statistics.median(api["alias"])
    for key, value in results.items():
        print(f"{key:45s} {value * 1000:9.1f} ms")
    pairs = [
        ("list page, signed in", "list page, signed out"),
        ("prompt page, signed in", "prompt page, signed out"),
        ("prompt page with an alias, signed in", "prompt page with an alias, signed out"),
        ("text search (?text=)", "name search (?q=)"),
        ("new version through the UI (post + page)", "register_prompt (API)"),
        ("alias move through the UI (post + history)", "set_prompt_alias (API)"),
        ("new version through the UI (post only)", "register_prompt (API)"),
        ("alias move through the UI (post only)", "set_prompt_alias (API)"),
    ]
    for a, b in pairs:
        print(f"{a} / {b}: {results[a] / results[b]:.2f}x")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
