#!/usr/bin/env python3
"""Clone time through ``gitprompts serve`` vs ``git clone --bare`` from disk, and a load check.

Usage:
  bench_serve.py clone REPO.git [REPO.git ...] [--runs 1]
  bench_serve.py load REPO.git [--clients 50] [--seconds 30] [--cloners 5]

clone: for each repo, ``git clone --bare --no-local REPO`` (a real pack
transfer from the same bare repo on disk: what any git remote costs) beside
``git clone --bare http://127.0.0.1:PORT/git/registry.git`` through serve.

load: N client threads against one serve process for S seconds; most read
pages (prompt list, a prompt page with a diff, a page deep in the list), the
cloners clone the registry in a loop, and one more client starts clones and
hangs up mid-transfer. Counts error responses and samples the server's RSS.

Repos: benchmarks/build_registry.py builds registries with the real layout,
e.g. ``build_registry.py /tmp/reg-10k.git --prompts 1000 --versions 10``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIT = "/git/registry.git"


def start(repo: str, home: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GITPROMPTS_HOME": str(home)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gitprompts",
            "serve",
            "--port",
            "0",
            "--read-only",
            "--registry",
            repo,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "web UI" in line:
            return proc, line.split()[-1].rstrip("/")
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def timed_clone(source: str, dest: Path, *extra: str) -> tuple[float, bool]:
    shutil.rmtree(dest, ignore_errors=True)
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    t = time.perf_counter()
    result = subprocess.run(
        ["git", "clone", "-q", "--bare", *extra, source, str(dest)],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t
    shutil.rmtree(dest, ignore_errors=True)
    if result.returncode:
        print(result.stderr, file=sys.stderr)
    return elapsed, result.returncode == 0


def count_tags(repo: str) -> int:
    out = subprocess.run(
        ["git", "--git-dir", repo, "for-each-ref", "--format=x", "refs/tags"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.count("\n")


def bench_clone(repos: list[str], runs: int) -> list[dict[str, object]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        tmpdir = Path(tmp)
        for repo in repos:
            tags = count_tags(repo)
            proc, url = start(repo, tmpdir / "home")
            try:
                for _ in range(runs):
                    disk, ok_disk = timed_clone(repo, tmpdir / "disk", "--no-local")
                    served, ok_serve = timed_clone(url + GIT, tmpdir / "http")
                    row = {
                        "repo": os.path.basename(repo),
                        "tags": tags,
                        "disk_s": round(disk, 2),
                        "serve_s": round(served, 2),
                        "ratio": round(served / disk, 2),
                        "ok": ok_disk and ok_serve,
                        "server_rss_mb": round(rss_mb(proc.pid), 1),
                    }
                    print(json.dumps(row), flush=True)
                    rows.append(row)
            finally:
                stop(proc)
    return rows


def bench_load(repo: str, clients: int, seconds: float, cloners: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        tmpdir = Path(tmp)
        proc, url = start(repo, tmpdir / "home")
        counts = {"pages": 0, "page_errors": 0, "clones": 0, "clone_errors": 0, "hangups": 0}
        errors: list[str] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds
        try:
            with urllib.request.urlopen(url + "/", timeout=120) as r:  # warm the first page
                first = r.read().decode()
            name = first.split('href="/prompts/', 1)[1].split('"', 1)[0]
            pages = [
                "/",
                f"/prompts/{name}",
                f"/prompts/{name}?from=1&to=2&view=side",
                "/?page=3",
                "/?q=prompt-0001",
                "/runs",
            ]
            rss_start = rss_mb(proc.pid)
            rss_max = rss_start

            def reader(i: int) -> None:
                k = i
                while time.monotonic() < stop_at:
                    path = pages[k % len(pages)]
                    k += 1
                    try:
                        with urllib.request.urlopen(url + path, timeout=60) as r:
                            r.read()
                            ok = r.status == 200
                    except (urllib.error.URLError, OSError) as exc:
                        ok = False
                        errors.append(f"{path}: {exc}")
                    with lock:
                        counts["pages"] += 1
                        counts["page_errors"] += not ok

            def cloner(i: int) -> None:
                while time.monotonic() < stop_at:
                    _, ok = timed_clone(url + GIT, tmpdir / f"clone-{i}")
                    with lock:
                        counts["clones"] += 1
                        counts["clone_errors"] += not ok

            def hangup() -> None:
                host, port = url.split("//")[1].split(":")
                while time.monotonic() < stop_at:
                    with urllib.request.urlopen(
                        url + GIT + "/info/refs?service=git-upload-pack", timeout=60
                    ) as r:
                        refs = r.read().decode("latin-1")
                    sha = next(w for w in refs.replace("\0", " ").split() if len(w) >= 40)[-40:]
                    body = b"0032want " + sha.encode() + b"\n00000009done\n"
                    with socket.create_connection((host, int(port)), timeout=60) as sock:
                        sock.sendall(
                            (
                                f"POST {GIT}/git-upload-pack HTTP/1.1\r\nHost: x\r\n"
                                "Content-Type: application/x-git-upload-pack-request\r\n"
                                f"Content-Length: {len(body)}\r\n\r\n"
                            ).encode()
                            + body
                        )
                        sock.recv(4096)
                    with lock:
                        counts["hangups"] += 1
                    time.sleep(0.2)

            threads = [threading.Thread(target=cloner, args=(i,)) for i in range(cloners)]
            threads += [
                threading.Thread(target=reader, args=(i,)) for i in range(clients - cloners)
            ]
            threads.append(threading.Thread(target=hangup))
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                rss_max = max(rss_max, rss_mb(proc.pid))
                time.sleep(0.5)
            rss_end = rss_mb(proc.pid)
        finally:
            stop(proc)
        result = {
            "repo": os.path.basename(repo),
            "clients": clients,
            "seconds": seconds,
            **counts,
            "rss_start_mb": round(rss_start, 1),
            "rss_max_mb": round(rss_max, 1),
            "rss_end_mb": round(rss_end, 1),
            "first_errors": errors[:3],
        }
        print(json.dumps(result), flush=True)
        return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("clone")
    c.add_argument("repos", nargs="+")
    c.add_argument("--runs", type=int, default=1)
    ld = sub.add_parser("load")
    ld.add_argument("repo")
    ld.add_argument("--clients", type=int, default=50)
    ld.add_argument("--seconds", type=float, default=30)
    ld.add_argument("--cloners", type=int, default=5)
    a = ap.parse_args()
    if a.what == "clone":
        bench_clone(a.repos, a.runs)
    else:
        bench_load(a.repo, a.clients, a.seconds, a.cloners)


if __name__ == "__main__":
    main()
