"""gitprompts.fs.atomic: nothing half-written ever sits under a final name, even after SIGKILL."""

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

from gitprompts.fs import atomic
from gitprompts.fs.atomic import atomic_write, staged_directory, write_files

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    """An empty directory of the test's own (conftest puts homes in ``tmp_path``)."""
    path = tmp_path / "work"
    path.mkdir()
    return path


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- atomic_write ------------------------------------------------------------------


def test_atomic_write_replaces_and_leaves_no_temp_files(tmp: Path) -> None:
    target = tmp / "deep" / "file"
    atomic_write(target, b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert _names(target.parent) == ["file"]
    scratch = tmp / "scratch"
    atomic_write(target, b"newer", tmp_dir=scratch)
    assert target.read_bytes() == b"newer"
    assert _names(scratch) == [] and _names(target.parent) == ["file"]


def test_atomic_write_mode(tmp: Path) -> None:
    atomic_write(tmp / "plain", b"")
    # Like open(): the umask decides, not tempfile's private 0o600.
    assert (tmp / "plain").stat().st_mode & 0o777 == 0o666 & ~_umask()
    atomic_write(tmp / "hook", b"#!/bin/sh\n", mode=0o755)
    assert (tmp / "hook").stat().st_mode & 0o777 == 0o755


@pytest.mark.parametrize("where", ["write", "chmod", "replace"])
@pytest.mark.parametrize("error", [OSError, KeyboardInterrupt])
def test_atomic_write_error_mid_write_keeps_old_file(
    tmp: Path, monkeypatch: pytest.MonkeyPatch, where: str, error: type[BaseException]
) -> None:
    target = tmp / "file"
    atomic_write(target, b"old")

    data: bytes = b"new" * 1000
    if where == "write":
        real_fdopen = os.fdopen

        def fdopen(fd: int, *args: object) -> object:
            f = real_fdopen(fd, "wb")
            f.write(b"partial")
            f.flush()

            class Half:
                def __enter__(self) -> Half:
                    return self

                def __exit__(self, *exc: object) -> None:
                    f.close()

                def write(self, _data: bytes) -> int:
                    raise error("disk full")

            return Half()

        monkeypatch.setattr(atomic.os, "fdopen", fdopen)
    else:

        def fail(*args: object) -> None:
            raise error("interrupted")

        monkeypatch.setattr(atomic.os, where, fail)
    with pytest.raises(error):
        atomic_write(target, data, mode=0o644)
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert _names(tmp) == ["file"]


def test_atomic_write_refuses_str_and_keeps_old_file(tmp: Path) -> None:
    target = tmp / "file"
    atomic_write(target, b"one")
    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"one" and _names(tmp) == ["file"]


# -- staged_directory --------------------------------------------------------------


def test_staged_directory_appears_complete(tmp: Path) -> None:
    target = tmp / "out" / "model"
    with staged_directory(target) as staging:
        assert not target.exists()
        write_files(staging, {"manifest.json": b"{}", "files/code/a.py": b"a = 1"})
        assert not target.exists()
    assert (target / "files" / "code" / "a.py").read_bytes() == b"a = 1"
    assert _names(target.parent) == ["model"]


def test_staged_directory_fills_an_empty_directory(tmp: Path) -> None:
    target = tmp / "empty"
    target.mkdir()
    with staged_directory(target) as staging:
        (staging / "x").write_bytes(b"x")
    assert _names(target) == ["x"] and _names(tmp) == ["empty"]


def test_staged_directory_leaves_nothing_on_error(tmp: Path) -> None:
    target = tmp / "model"
    with pytest.raises(RuntimeError), staged_directory(target) as staging:
        (staging / "half").write_bytes(b"written before the failure")
        raise RuntimeError("boom")
    assert _names(tmp) == []


@pytest.mark.parametrize("occupant", ["file", "non-empty directory"])
def test_staged_directory_refuses_an_occupied_target(tmp: Path, occupant: str) -> None:
    target = tmp / "model"
    if occupant == "file":
        target.write_bytes(b"mine")
    else:
        target.mkdir()
        (target / "keep").write_bytes(b"mine")
    ran = False
    with pytest.raises(FileExistsError), staged_directory(target):
        ran = True
    assert not ran
    assert _names(tmp) == ["model"]


def test_staged_directory_never_replaces_a_target_filled_meanwhile(tmp: Path) -> None:
    target = tmp / "model"
    with pytest.raises(OSError), staged_directory(target) as staging:
        (staging / "ours").write_bytes(b"ours")
        target.mkdir()
        (target / "theirs").write_bytes(b"theirs")
    assert _names(tmp) == ["model"] and _names(target) == ["theirs"]


# -- write_files ----------------------------------------------------


@pytest.mark.parametrize("rel", ["", "/etc/passwd", "../up", "a/../../up", "a//b", "./a"])
def test_write_files_refuses_paths_outside(tmp: Path, rel: str) -> None:
    inside = tmp / "inside"
    inside.mkdir()
    with pytest.raises(ValueError):
        write_files(inside, {"fine.txt": b"", rel: b"x"})
    assert _names(inside) == [] and _names(tmp) == ["inside"]


# -- a real process killed with SIGKILL ---------------------------------------------

WRITER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from gitprompts.fs import atomic

    target, size, how = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if how == "pause-before-rename":
        def stalled(src, dst):
            print("renaming", flush=True)
            sys.stdin.read()  # until killed
        atomic.os.replace = stalled
        atomic.atomic_write(target, b"n" * size)
    else:
        print("writing", flush=True)
        i = 0
        while True:
            i += 1
            atomic.atomic_write(target, bytes([i % 251]) * size)
    """
)

SIGKILL = getattr(signal, "SIGKILL", None)


def _writer(target: Path, size: int, how: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target), str(size), how],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    assert SIGKILL is not None
    proc.send_signal(SIGKILL)
    proc.communicate()
    assert proc.returncode == -SIGKILL


@pytest.mark.skipif(SIGKILL is None, reason="needs SIGKILL")
def test_killed_writer_leaves_old_or_new_file(tmp: Path) -> None:
    size = 4 << 20  # big enough that some kills land in the middle of a write
    target = tmp / "file"

    # Killed after the new bytes are on disk but before the rename: the old file.
    atomic_write(target, b"o" * size)
    proc = _writer(target, size, "pause-before-rename")
    assert proc.stdout is not None and proc.stdout.readline() == b"renaming\n"
    _kill(proc)
    assert target.read_bytes() == b"o" * size

    # Killed at random moments while rewriting it over and over: always one
    # complete version, whichever it was.
    for _ in range(5):
        proc = _writer(target, size, "loop")
        assert proc.stdout is not None and proc.stdout.readline() == b"writing\n"
        time.sleep(random.uniform(0.01, 0.3))
        _kill(proc)
        data = target.read_bytes()
        assert len(data) == size and data == data[:1] * size
    # What a kill can leave is a temporary file, never a partial target.
    assert all(
        name.startswith(".file.") and name.endswith(".tmp")
        for name in _names(tmp)
        if name != "file"
    )
