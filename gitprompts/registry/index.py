"""The listing index: every prompt's listing row, derived from one ``main`` commit.

``search_prompts``/``gitprompts list`` over 10,000 prompts needs, per prompt,
its state file, a tag probe or two and the latest version's tag: ~0.3 s of
libgit2 work, and ``import pygit2`` alone costs more than a fresh ``list``
may take. So the rows are kept in ``gitprompts.index`` inside the bare
repository, keyed by the ``main`` commit they were computed from:

- line 1: the rows, ``[[name, latest, aliases, tags, created_ms], ...]``;
- line 2: ``{"schema_version": 1, "main": "<commit>"}``, where they are from;
- then one line per later write: ``{"before", "after", "name", "row"}``.

The short lines come last, so where the index ends is read from its last
few KiB.

It is never the source of truth. A reader replays the lines while each
``before`` is the ``after`` of the previous one, and uses the result only if
it ends at the ``main`` it read; anything else (another tip, a torn last
line from a SIGKILL, a file from a newer gitprompts, garbage) makes the
registry recompute what changed from the trees and write a new file with
``atomic_write``. A writer under the registry lock appends its line only
when the file ends at the commit it wrote on, so one ``O_APPEND`` write
(~20 µs) keeps the index current without reading it whole. A compaction
renaming a new file over the one a writer appends to loses that line, which
only makes the next reader recompute one prompt.

A version tag pushed on its own, after its commit is on ``main``, shows in
the listing once ``main`` next moves (``load_prompt`` sees it at once).

>>> rows = {"greet": Row("greet", 1, {}, {}, 0)}
>>> write(tmp_path / "ix", "a" * 40, rows)
>>> append(tmp_path / "ix", "a" * 40, "b" * 40, "greet", None)
True
>>> load(tmp_path / "ix").main == "b" * 40, load(tmp_path / "ix").rows
(True, {})
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import msgspec

from gitprompts.fs.atomic import atomic_write

SCHEMA_VERSION = 1
# A row is ~100 bytes: 64 MiB is ~600,000 prompts. Past it the index is
# not used (the listing is computed, as without an index).
MAX_BYTES = 64 << 20
# Appended lines past which a reader that replayed them writes a compact file.
COMPACT_AFTER = 256
_TAIL = 4096


class Row(msgspec.Struct, frozen=True, array_like=True):
    """One prompt as the listing shows it."""

    name: str
    latest: int
    aliases: dict[str, int]
    tags: dict[str, str]
    created: int  # milliseconds since the epoch


class Header(msgspec.Struct, frozen=True, kw_only=True):
    schema_version: int = SCHEMA_VERSION
    main: str
    # Prompts whose state names a version whose tag is not there (yet): a
    # writer killed between moving main and the tag, which the next writer's
    # recovery finishes without moving main. Their rows are recomputed.
    volatile: list[str] = []


class Loaded(NamedTuple):
    main: str
    rows: dict[str, Row]
    replayed: int  # appended lines
    volatile: list[str]


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """A write after the rows: ``main`` moved from ``before`` to ``after``, changing one row."""

    before: str
    after: str
    name: str
    row: Row | None  # None: the prompt no longer lists (deleted)


_header = msgspec.json.Decoder(Header)
_rows = msgspec.json.Decoder(list[Row])
_change = msgspec.json.Decoder(Change)
_encoder = msgspec.json.Encoder()


def load(path: Path) -> Loaded | None:
    """Where the index ends, its rows by name, lines replayed; None if unusable."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_BYTES:
        return None
    lines = data.split(b"\n")
    if len(lines) < 3:
        return None
    try:
        header = _header.decode(lines[1])
        if header.schema_version != SCHEMA_VERSION:
            return None
        rows = {row.name: row for row in _rows.decode(lines[0])}
    except msgspec.DecodeError:
        return None
    main = header.main
    replayed = 0
    # The last element is what follows the final newline: a torn line, or b"".
    for line in lines[2:-1]:
        try:
            change = _change.decode(line)
        except msgspec.DecodeError:
            break
        if change.before != main:
            break
        main = change.after
        replayed += 1
        if change.row is None:
            rows.pop(change.name, None)
        else:
            rows[change.name] = change.row
    return Loaded(main, rows, replayed, header.volatile)


def write(path: Path, main: str, rows: dict[str, Row], volatile: list[str] | None = None) -> None:
    """Replace the index with ``rows`` computed at ``main`` (atomically)."""
    ordered = [rows[name] for name in sorted(rows)]
    data = b"".join(
        (
            _encoder.encode(ordered),
            b"\n",
            _encoder.encode(Header(main=main, volatile=sorted(volatile or []))),
            b"\n",
        )
    )
    atomic_write(path, data)


def tip(path: Path) -> str | None:
    """The ``main`` the index ends at, from its last line; None if unknown.

    Reads at most a few KiB however many prompts there are.
    """
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            handle.seek(max(0, size - _TAIL))
            tail = handle.read(_TAIL)
    except OSError:
        return None
    if not tail.endswith(b"\n"):
        return None  # empty, or a torn last line: the chain ends before it
    _, newline, last = tail[:-1].rpartition(b"\n")
    if not newline:
        return None  # the last line is longer than the tail: not one this module writes
    try:
        if last.startswith(b'{"before"'):
            return _change.decode(last).after
        header = _header.decode(last)
    except msgspec.DecodeError:
        return None
    return header.main if header.schema_version == SCHEMA_VERSION else None


def append(path: Path, before: str, after: str, name: str, row: Row | None) -> bool:
    """Record that a write moved ``main`` from ``before`` to ``after``, changing ``name``'s row.

    Only when the index ends at ``before`` (otherwise the next reader
    recomputes); the caller holds the registry's writer lock. True if appended.
    """
    if tip(path) != before:
        return False
    line = _encoder.encode(Change(before=before, after=after, name=name, row=row)) + b"\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except OSError:
        return False
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return True
