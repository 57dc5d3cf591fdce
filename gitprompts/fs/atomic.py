"""Write aside, then rename into place: readers see the old content or the new, never a part.

``atomic_write`` replaces one file, and ``staged_directory`` creates a
directory that appears only once it is complete. Temporary names start with ``.`` and end
with ``.tmp``, so anything a killed process leaves behind is recognisable.

Temporary files and directories are created with the permissions a plain
``open()`` or ``mkdir()`` would give (0o666 / 0o777 less the umask), not
``tempfile``'s private 0o600 / 0o700, because they end up under their final
names: a cloned registry or an exported model must look like one made by
hand.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     atomic_write(Path(d, "greeting.txt"), b"hello")
...     Path(d, "greeting.txt").read_bytes()
b'hello'
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_stream", "staged_directory", "write_files"]

# Enough of the final name to recognise a leftover, short enough that
# ".<name>.<12 hex>.tmp" stays under the usual 255-byte limit on a name.
_NAME_KEPT = 200


def _temp_path(directory: Path, name: str) -> Path:
    return directory / f".{name[:_NAME_KEPT]}.{os.urandom(6).hex()}.tmp"


def _new_file(directory: Path, name: str) -> tuple[Path, int]:
    """A new, empty temporary file in ``directory`` (O_EXCL: never someone else's)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        path = _temp_path(directory, name)
        try:
            return path, os.open(path, flags, 0o666)
        except FileExistsError:
            continue


@contextmanager
def _scratch_directory(directory: Path, name: str) -> Iterator[Path]:
    """A new, empty temporary directory in ``directory``, removed afterwards unless renamed away."""
    directory.mkdir(parents=True, exist_ok=True)
    while True:
        path = _temp_path(directory, name)
        try:
            path.mkdir(0o777)
            break
        except FileExistsError:
            continue
    try:
        yield path
    finally:
        # Already gone when it was renamed into place.
        shutil.rmtree(path, ignore_errors=True)


def atomic_write(
    path: Path, data: bytes, *, tmp_dir: Path | None = None, mode: int | None = None
) -> None:
    """Replace the file at ``path`` with ``data`` in one step (parent directories are created).

    The bytes go to a temporary file in ``tmp_dir`` (default: beside ``path``;
    it must be on the same filesystem), which gets ``mode`` if one is given
    and is then renamed over ``path``. On any error, including an
    interruption, the temporary file is removed and ``path`` is untouched.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     atomic_write(Path(d, "hook"), b"#!/bin/sh", mode=0o755)
    ...     Path(d, "hook").read_bytes(), oct(Path(d, "hook").stat().st_mode & 0o777)
    (b'#!/bin/sh', '0o755')
    """
    _write(path, [data], tmp_dir, mode, None)


def atomic_write_stream(
    path: Path,
    pieces: Iterable[bytes],
    *,
    tmp_dir: Path | None = None,
    check: Callable[[], None] | None = None,
) -> None:
    """``atomic_write`` for data that arrives in pieces (a download, an upload's body).

    The pieces go to a temporary file one by one, never all in memory; then
    ``check()`` runs (it raises to refuse what arrived, e.g. a sha256 that
    does not match) and only then is the file renamed over ``path``. On any
    error the temporary file is removed and ``path`` is untouched.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     atomic_write_stream(Path(d, "big"), [b"he", b"llo"])
    ...     Path(d, "big").read_bytes()
    b'hello'
    """
    _write(path, pieces, tmp_dir, None, check)


def _write(
    path: Path,
    pieces: Iterable[bytes],
    tmp_dir: Path | None,
    mode: int | None,
    check: Callable[[], None] | None,
) -> None:
    """Both writers: ``pieces`` to a temporary file, ``check()``, ``mode``, then one rename."""
    directory = tmp_dir if tmp_dir is not None else path.parent
    directory.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, fd = _new_file(directory, path.name)
    try:
        with os.fdopen(fd, "wb") as f:
            for piece in pieces:
                f.write(piece)
        if check is not None:
            check()
        if mode is not None:
            os.chmod(tmp, mode)
        # No fsync: like git's own ref updates (core.fsync unset) this guards
        # against a killed process, where os.replace is already atomic. Only a
        # power cut could expose unflushed data, and an fsync of the file and
        # its directory on every object, manifest and log write would cost far
        # more than it buys for data that the registry can re-fetch or rebuild.
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_files(directory: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (``/``-separated relative path -> bytes) under ``directory``.

    Not atomic by itself: fill a ``staged_directory`` with it. A path that is
    empty, absolute, or has an empty, ``.`` or ``..`` part is refused
    (ValueError) before anything is written, so nothing lands outside
    ``directory``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_files(Path(d), {"code/model.py": b"x = 1"})
    ...     Path(d, "code", "model.py").read_bytes()
    b'x = 1'
    """
    for rel in files:
        if any(part in ("", ".", "..") for part in rel.split("/")):
            raise ValueError(f"not a plain relative path: {rel!r}")
    for rel, data in files.items():
        path = directory.joinpath(*rel.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _occupied(target: Path) -> bool:
    """Whether ``target`` is something other than nothing or an empty directory."""
    if not target.exists() and not target.is_symlink():
        return False
    return not target.is_dir() or target.is_symlink() or any(target.iterdir())


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Fill the yielded empty directory; it appears as ``target`` only if the block succeeds.

    The directory is built beside ``target`` and moved into place with one
    rename, over nothing or an empty directory only: a ``target`` that holds
    anything is refused (FileExistsError) before the block runs, and if it is
    filled while the block runs the final rename fails instead of replacing
    it. On any error the staging directory is removed.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with staged_directory(Path(d, "export")) as staging:
    ...         write_files(staging, {"manifest.json": b"{}"})
    ...     sorted(p.name for p in Path(d).iterdir())
    ['export']
    """
    if _occupied(target):
        raise FileExistsError(errno.EEXIST, "exists and is not an empty directory", str(target))
    with _scratch_directory(target.parent, target.name) as staging:
        yield staging
        # rename(2) replaces an empty directory and refuses a non-empty one or
        # a file in the same step, so nothing put there meanwhile is lost.
        os.replace(staging, target)
