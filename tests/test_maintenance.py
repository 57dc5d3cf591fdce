"""Background maintenance: disk stays bounded, and no writer ever loses to it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import filelock
import pytest

from gitprompts.core import layout
from gitprompts.git import maintenance
from gitprompts.git.command import SideDir
from gitprompts.registry import Registry

from .conftest import git


def _loose_objects(path: Path) -> int:
    return sum(
        len(list(d.iterdir()))
        for d in (path / "objects").iterdir()
        if len(d.name) == 2 and d.is_dir()
    )


def _loose_refs(path: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(path / "refs" / "tags"))


def _fsck(path: Path) -> None:
    git("--git-dir", str(path), "fsck", "--no-dangling", "--no-progress")


def _wait_for(condition: object, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_maintenance_packs_objects_and_refs_and_keeps_every_version(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "r.git")
    for k in range(40):
        reg.register(f"p{k % 8}", f"version {k}")
    assert _loose_objects(reg.path) > 200 and _loose_refs(reg.path) == 40
    before = {(v.name, v.version, v.template) for n in reg.names() for v in reg.versions(n)}
    maintenance.run_maintenance(reg.path)
    assert _loose_objects(reg.path) == 0 and _loose_refs(reg.path) == 0
    assert (reg.path / "packed-refs").exists()
    assert maintenance.has_commit_graph(reg.path)  # history walks (pull) read it
    fresh = Registry(reg.path)
    assert {(v.name, v.version, v.template) for n in fresh.names() for v in fresh.versions(n)} == (
        before
    )
    assert fresh.register("p0", "after maintenance").version == 6
    _fsck(reg.path)


def test_a_write_starts_it_in_the_background_when_loose_objects_outweigh_packs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(maintenance.ENV, "1")
    monkeypatch.setattr(maintenance, "FLOOR", 0)
    reg = Registry(tmp_path / "r.git")
    for k in range(60):
        reg.register("greet", f"v{k}")
    assert (reg.path / layout.MAINTENANCE_FILE).exists()  # started on the way
    _wait_for(lambda: all(c.poll() is not None for c in maintenance._children))
    assert all(c.returncode == 0 for c in maintenance._children)
    time.sleep(maintenance._INTERVAL_S + 0.1)
    before = _loose_objects(reg.path)
    reg.register("greet", "last")  # what piled up since: the next write starts a run
    _wait_for(lambda: all(c.poll() is not None for c in maintenance._children))
    assert before > 20 and _loose_objects(reg.path) < 10
    assert (reg.path / "packed-refs").exists() and _loose_refs(reg.path) == 0
    assert Registry(reg.path).latest_version("greet") == 61
    _fsck(reg.path)


def test_it_is_off_when_told_and_never_in_a_sync_side_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maintenance, "FLOOR", 0)
    monkeypatch.setattr(maintenance, "needed", lambda repo: True)
    side = tmp_path / (SideDir.PREFIX + "x")
    side.mkdir()
    monkeypatch.setenv(maintenance.ENV, "1")
    assert maintenance.after_write(side) is False
    with pytest.raises(ValueError, match="side directory"):
        maintenance.run_maintenance(side)
    monkeypatch.setenv(maintenance.ENV, "0")
    assert maintenance.after_write(tmp_path) is False


def test_refs_are_packed_only_while_no_writer_holds_the_lock(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "r.git")
    for k in range(5):
        reg.register("greet", f"v{k}")
    lock = filelock.FileLock(str(reg.path / layout.LOCK_FILE))
    with lock:
        child = subprocess.Popen(
            [sys.executable, "-m", "gitprompts.git.maintenance", str(reg.path)],
        )
        # Objects may be packed meanwhile (git's gc runs beside writers); refs may not.
        _wait_for(lambda: _loose_objects(reg.path) == 0, timeout=60)
        time.sleep(0.5)
        assert child.poll() is None
        assert _loose_refs(reg.path) == 5 and (reg.path / "refs" / "heads" / "main").exists()
    assert child.wait(timeout=60) == 0
    assert _loose_refs(reg.path) == 0


_WRITER = """
import sys, gitprompts
gitprompts.set_registry(sys.argv[1])
for k in range(int(sys.argv[3])):
    gitprompts.register_prompt("w" + sys.argv[2], "version %d" % k)
    if k % 5 == 0:
        gitprompts.set_prompt_alias("w" + sys.argv[2], "prod", k + 1)
"""

_MAINTAINER = """
import sys, time
from pathlib import Path
from gitprompts.git import maintenance
end = time.monotonic() + 120
runs = 0
while time.monotonic() < end and not Path(sys.argv[2]).exists():
    maintenance.run_maintenance(Path(sys.argv[1]))
    runs += 1
print(runs)
"""


@pytest.mark.slow
def test_writers_never_fail_or_lose_a_version_while_maintenance_runs(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "r.git")
    reg.register("seed", "seed")
    stop = tmp_path / "stop"
    maintainer = subprocess.Popen(
        [sys.executable, "-c", _MAINTAINER, str(reg.path), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    env = {**os.environ, "GITPROMPTS_LOCK_TIMEOUT": "120"}
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(reg.path), str(w), "30"], env=env)
        for w in range(3)
    ]
    codes = [w.wait(timeout=300) for w in writers]
    stop.touch()
    out, _ = maintainer.communicate(timeout=300)
    assert maintainer.returncode == 0 and int(out) >= 2  # it really ran between the writes
    assert codes == [0, 0, 0]
    fresh = Registry(reg.path)
    for w in range(3):
        assert [v.template for v in fresh.versions(f"w{w}")] == [f"version {k}" for k in range(30)]
        assert fresh.aliases(f"w{w}") == {"prod": 26}
    maintenance.run_maintenance(reg.path)
    _fsck(reg.path)
    assert _loose_refs(reg.path) == 0


def test_one_run_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reg = Registry(tmp_path / "r.git")
    for k in range(3):  # maintenance off (conftest): no run of its own started here
        reg.register("greet", f"v{k}")
    monkeypatch.setenv(maintenance.ENV, "1")
    monkeypatch.setattr(maintenance, "needed", lambda repo: True)
    with maintenance._running(reg.path) as free:  # as a run in progress holds it
        assert free
        assert maintenance.after_write(reg.path) is False
        maintenance.run_maintenance(reg.path)  # returns at once: the other run has it
        assert _loose_refs(reg.path) == 3
    maintenance.run_maintenance(reg.path)
    assert _loose_refs(reg.path) == 0
