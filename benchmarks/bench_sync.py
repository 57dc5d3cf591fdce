#!/usr/bin/env python3
"""gitprompts pull / push / clone vs plain git on a 10,000-prompt, 100,000-tag registry.

usage: bench_sync.py [--registry BASE.git] [--workdir DIR] [-n 3] [--clone-runs 2]
                     [--transports file,daemon]

BASE.git is built with benchmarks/build_registry.py when not given (fast-import;
that takes a long time on a small machine) and is never modified: every trial
works on hard-linked copies (git never rewrites pack files or packed-refs in place).

Figures (medians of wall time, fresh processes, each beside its plain-git reference):
  pull   gitprompts pull of one new version   vs  git fetch --tags of the same change
  push   gitprompts push of one new version   vs  git push of main + the new tag
  clone  gitprompts clone                     vs  git clone --bare
over file:// and git daemon on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gitprompts.registry import Registry  # noqa: E402

PROMPT = "prompt-00042"
ENV = {
    **os.environ,
    "PYTHONPATH": str(ROOT),
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def sh(*args: str, cwd: Path | None = None) -> None:
    subprocess.run(args, check=True, env=ENV, cwd=cwd, capture_output=True)


def gp(registry: Path, *args: str) -> None:
    sh(sys.executable, "-m", "gitprompts", "--registry", str(registry), *args)


def copy(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    sh("cp", "-al", str(src), str(dst))
    return dst


def timed(prepare, action, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for i in range(runs):
        prepare(i)
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def tracking(repo: Path, url: str) -> None:
    """Make ``repo`` look like a gitprompts clone of ``url`` (origin + tracking refs)."""
    sh("git", "--git-dir", str(repo), "remote", "add", "origin", url)
    main = subprocess.run(
        ["git", "--git-dir", str(repo), "rev-parse", "main"], capture_output=True, text=True
    ).stdout.strip()
    sh("git", "--git-dir", str(repo), "update-ref", "refs/remotes/origin/main", main)
    notes = subprocess.run(
        [
            "git",
            "--git-dir",
            str(repo),
            "rev-parse",
            "-q",
            "--verify",
            "refs/notes/gitprompts-models",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if notes:
        sh(
            "git",
            "--git-dir",
            str(repo),
            "update-ref",
            "refs/remotes/origin/notes/gitprompts-models",
            notes,
        )


def show(row: tuple[str, str, float, float]) -> None:
    """Print one figure as soon as it is measured (a 100k run takes a while)."""
    print(
        f"{row[0]:7} {row[1]:45} gitprompts {row[2]:7.2f} s   git {row[3]:7.2f} s   "
        f"ratio {row[3] / row[2]:5.1f}x",
        flush=True,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--registry", type=Path)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("-n", "--runs", type=int, default=3)
    ap.add_argument("--clone-runs", type=int, default=2)
    ap.add_argument("--transports", default="file,daemon")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-sync-"))
    work.mkdir(parents=True, exist_ok=True)
    base = args.registry
    if base is None:
        base = work / "base.git"
        if not base.exists():
            sh(sys.executable, str(ROOT / "benchmarks" / "build_registry.py"), str(base))
    srv = work / "srv"
    srv.mkdir(exist_ok=True)
    # The remote for pulls: BASE + one new version.
    nxt = copy(base, srv / "next.git")
    Registry(nxt).register(PROMPT, "A new version {{ x }}", commit_message="bench: new version")
    daemon = None
    port = free_port()
    results: list[tuple[str, str, float, float]] = []
    try:
        if "daemon" in args.transports:
            daemon = subprocess.Popen(
                [
                    "git",
                    "daemon",
                    "--export-all",
                    "--enable=receive-pack",
                    "--reuseaddr",
                    f"--base-path={srv}",
                    f"--port={port}",
                    "--listen=127.0.0.1",
                    str(srv),
                ],
                env=ENV,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.5)
        for transport in args.transports.split(","):

            def url(name: str) -> str:
                return (
                    f"file://{srv / name}"
                    if transport == "file"
                    else f"git://127.0.0.1:{port}/{name}"
                )

            # pull: a client at BASE fetching the one new version
            def prep_pull(i: int) -> None:
                for who in ("gp", "git"):
                    repo = copy(base, work / f"pull-{who}.git")
                    tracking(repo, url("next.git"))

            t_gp = timed(prep_pull, lambda i: gp(work / "pull-gp.git", "pull"), args.runs)
            t_git = timed(
                prep_pull,
                lambda i: sh(
                    "git",
                    "--git-dir",
                    str(work / "pull-git.git"),
                    "fetch",
                    "-q",
                    "--tags",
                    "origin",
                ),
                args.runs,
            )
            results.append((transport, "pull one new version  (vs git fetch --tags)", t_gp, t_git))
            show(results[-1])

            # push: a client with one new version, pushing to a fresh copy of BASE
            ahead = copy(base, work / "ahead.git")
            Registry(ahead).register(PROMPT, "Pushed version {{ x }}", commit_message="bench: push")

            def prep_push(i: int) -> None:
                copy(base, srv / "push-target.git")
                for who in ("gp", "git"):
                    repo = copy(ahead, work / f"push-{who}.git")
                    tracking(repo, url("push-target.git"))
                    sh(
                        "git",
                        "--git-dir",
                        str(repo),
                        "update-ref",
                        "refs/remotes/origin/main",
                        subprocess.run(
                            ["git", "--git-dir", str(base), "rev-parse", "main"],
                            capture_output=True,
                            text=True,
                        ).stdout.strip(),
                    )

            t_gp = timed(prep_push, lambda i: gp(work / "push-gp.git", "push"), args.runs)
            t_git = timed(
                prep_push,
                lambda i: sh(
                    "git",
                    "--git-dir",
                    str(work / "push-git.git"),
                    "push",
                    "-q",
                    "origin",
                    "main",
                    "refs/tags/prompts/prompt-00042/11",
                ),
                args.runs,
            )
            results.append((transport, "push one new version  (vs git push)", t_gp, t_git))
            show(results[-1])

            # clone: fresh copy of the whole registry
            def prep_clone(i: int) -> None:
                for name in ("clone-gp.git", "clone-git.git"):
                    shutil.rmtree(work / name, ignore_errors=True)

            t_gp = timed(
                prep_clone,
                lambda i: sh(
                    sys.executable,
                    "-m",
                    "gitprompts",
                    "clone",
                    url("next.git"),
                    str(work / "clone-gp.git"),
                ),
                args.clone_runs,
            )
            t_git = timed(
                prep_clone,
                lambda i: sh(
                    "git", "clone", "-q", "--bare", url("next.git"), str(work / "clone-git.git")
                ),
                args.clone_runs,
            )
            results.append((transport, "clone                 (vs git clone --bare)", t_gp, t_git))
            show(results[-1])
    finally:
        if daemon is not None:
            daemon.terminate()
            daemon.wait()
    print()
    print("| transport | operation | gitprompts | plain git | git / gitprompts |")
    print("|---|---|---|---|---|")
    for transport, what, a, b in results:
        print(f"| {transport} | {what} | {a:.2f} s | {b:.2f} s | {b / a:.1f}x |")


if __name__ == "__main__":
    main()
