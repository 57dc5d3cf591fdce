"""Reading one ref from the files of a bare repository, without libgit2.

``import pygit2`` costs 90–250 ms on a loaded 2-core machine, more than the
whole budget of a fresh ``gitprompts list``; a listing served from the index
(``registry.index``) only needs to know where ``main`` is, which is one small
file (or one line of ``packed-refs``). Anything unexpected (a symbolic ref, a
malformed line) answers None, and the caller falls back to libgit2.

>>> read_ref(tmp_path, "refs/heads/main") is None
True
"""

from __future__ import annotations

import re
from pathlib import Path

_OID = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})?")
# packed-refs is sorted, and refs/heads/ sorts before refs/notes/ and
# refs/tags/: the branch is near the start even with 100,000 tags packed.
_CHUNK = 1 << 16
_MAX_SCAN = 64 << 20


def read_ref(repo: Path, ref: str) -> str | None:
    """The object id ``ref`` points at, read from its loose file or ``packed-refs``; None if absent
    or not plainly readable."""
    try:
        data = (repo / ref).read_bytes()
    except FileNotFoundError:
        return _packed(repo, ref.encode())
    except OSError:
        return None
    oid = data.strip()
    return oid.decode() if _OID.fullmatch(oid) else None


def _packed(repo: Path, ref: bytes) -> str | None:
    """``ref``'s id in ``packed-refs``, reading it in chunks until the sorted file passes it."""
    try:
        handle = open(repo / "packed-refs", "rb")  # noqa: SIM115 - closed below
    except OSError:
        return None
    with handle:
        pending = b""
        scanned = 0
        while scanned < _MAX_SCAN:
            chunk = handle.read(_CHUNK)
            scanned += len(chunk)
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop() if chunk else b""
            for line in lines:
                if not line or line[:1] in (b"#", b"^"):
                    continue
                oid, _, name = line.partition(b" ")
                if name == ref:
                    return oid.decode() if _OID.fullmatch(oid) else None
                if name > ref:
                    return None
            if not chunk:
                return None
    return None
