"""Many writer processes, and writers killed by SIGKILL: no lost, doubled or half-made version."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import gitprompts
from gitprompts import config
from tests.conftest import git

ROOT = Path(__file__).resolve().parents[1]

WRITER = textwrap.dedent(
    """
    import sys, gitprompts
    worker, count = sys.argv[1], int(sys.argv[2])
    for i in range(count):
        gitprompts.register_prompt("shared", f"worker {worker} call {i}")
    """
)


READER = textwrap.dedent(
    """
    import sys, time, gitprompts
    from gitprompts import config
    seen, checks, deadline = {}, 0, time.time() + float(sys.argv[1])
    while time.time() < deadline:
        config.forget_registries()  # a fresh handle each round: nothing served from cache
        latest = gitprompts.load_prompt("shared@latest", allow_missing=True)
        if latest is None:
            continue
        for number in {1, latest.version, max(1, latest.version - 1)}:
            text = gitprompts.load_prompt(f"shared/{number}").template
            assert text.startswith("worker "), (number, text)
            assert seen.setdefault(number, text) == text, (number, seen[number], text)
            checks += 1
    print(checks)
    """
)


def _spawn(
    registry: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "GITPROMPTS_REGISTRY": str(registry), "PYTHONPATH": str(ROOT)}
    environment.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, *args], env=environment, stderr=subprocess.PIPE
    )


def _check_invariants(path: Path) -> int:
    """Versions 1..latest all load, each tag's file parses, and git fsck is clean."""
    config.forget_registries()
    registry = gitprompts.Registry(path, create=False)
    latest = registry.latest_version("shared") if registry.names() else 0
    tags = git("tag", "-l", "prompts/shared/*", cwd=path).split()
    assert sorted(int(t.rsplit("/", 1)[1]) for t in tags) == list(range(1, latest + 1))
    for version in registry.versions("shared") if latest else []:
        assert version.template.startswith("worker ")
    git("fsck", "--no-dangling", cwd=path)
    return latest


@pytest.mark.slow
def test_eight_processes_fifty_versions_each(tmp_path: Path) -> None:
    path = tmp_path / "r.git"
    gitprompts.Registry(path)
    workers = [_spawn(path, str(w), "50") for w in range(8)]
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, "8"],
        env={**os.environ, "GITPROMPTS_REGISTRY": str(path), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    for proc in workers:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    # A reader running alongside never saw a version change or a tag without its file.
    out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err.decode()
    assert int(out) > 0

    registry = gitprompts.Registry(path, create=False)
    versions = registry.versions("shared")
    assert [v.version for v in versions] == list(range(1, 401))
    templates = {v.template for v in versions}
    assert templates == {f"worker {w} call {i}" for w in range(8) for i in range(50)}
    # Each worker's own versions appear in the order it wrote them.
    for w in range(8):
        mine = [
            int(v.template.rsplit(" ", 1)[1])
            for v in versions
            if v.template.startswith(f"worker {w} ")
        ]
        assert mine == list(range(50))
    assert _check_invariants(path) == 400


@pytest.mark.parametrize("point", ["before-log", "before-lock", "refs-locked"])
def test_writer_killed_at_each_step_leaves_a_consistent_registry(
    tmp_path: Path, point: str
) -> None:
    path = tmp_path / "r.git"
    registry = gitprompts.Registry(path)
    registry.register("shared", "worker setup call 0")
    proc = _spawn(path, "x", "1", env={"GITPROMPTS_CRASH_AT": point})
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    latest = _check_invariants(path)
    if point == "refs-locked":
        # The dead writer's ref locks are stale: the next writer finishes its update.
        assert (path / "refs" / "heads" / "main.lock").exists()
    # The registry stays writable and numbering continues with no gap.
    config.forget_registries()
    after = gitprompts.Registry(path, create=False).register("shared", "worker after call 0")
    assert not (path / "refs" / "heads" / "main.lock").exists()
    assert _check_invariants(path) == after.version
    assert after.version in (latest + 1, latest + 2)


@pytest.mark.slow
def test_writers_killed_at_random_moments(tmp_path: Path) -> None:
    path = tmp_path / "r.git"
    gitprompts.Registry(path)
    rng = random.Random(1234)
    for round_ in range(12):
        proc = _spawn(path, f"r{round_}", "1000")
        time.sleep(0.3 + rng.random() * 0.4)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        # A reader opening the registry right after the kill sees no gap and no half version.
        _check_invariants(path)
    config.forget_registries()
    final = gitprompts.Registry(path, create=False).register("shared", "worker final call 0")
    assert _check_invariants(path) == final.version
