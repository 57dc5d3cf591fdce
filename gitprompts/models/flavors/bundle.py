"""A directory written by a library's own ``save``/``persist``, kept as one model file.

LlamaIndex persists an index as a few JSON files and DSPy saves a program as
``program.pkl`` plus ``metadata.json``; a flavor's entry file is one file, so
the directory travels as a bundle (msgpack: names and bytes), handed back as
a dict or written to a private temporary directory for the library's ``load``.

>>> data = pack_files({"docstore.json": b"{}"})
>>> with unpacked(data, "models:/x") as where:
...     sorted(p.name for p in where.iterdir())
['docstore.json']
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from gitprompts.errors import ModelError

SCHEMA_VERSION = 1


class Bundle(msgspec.Struct, frozen=True, kw_only=True):
    schema_version: int = SCHEMA_VERSION
    files: dict[str, bytes] = msgspec.field(default_factory=dict)


def pack(directory: Path) -> bytes:
    """The files directly in ``directory`` as one bundle (these libraries write no subfolders)."""
    return pack_files({p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()})


def pack_files(files: dict[str, bytes]) -> bytes:
    return msgspec.msgpack.encode(Bundle(files=dict(sorted(files.items()))))


def unpack(data: bytes, where: str) -> dict[str, bytes]:
    """The bundle's files by name; ModelError naming ``where`` if it is not a valid bundle."""
    try:
        bundle = msgspec.msgpack.decode(data, type=Bundle)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ModelError(f"{where}: the model's bundle cannot be read ({exc})") from None
    if bundle.schema_version > SCHEMA_VERSION:
        raise ModelError(
            f"{where}: bundle schema_version {bundle.schema_version} is newer than this "
            f"gitprompts understands ({SCHEMA_VERSION}); upgrade gitprompts"
        )
    for name in bundle.files:
        if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise ModelError(f"{where}: bundle file name {name!r} is not a plain file name")
    return dict(bundle.files)


@contextmanager
def unpacked(data: bytes, where: str) -> Iterator[Path]:
    """The bundle's files in a private temporary directory (mode 0o700), removed afterwards."""
    files = unpack(data, where)
    with tempfile.TemporaryDirectory(prefix="gitprompts-bundle-") as tmp:
        root = Path(tmp)
        for name, content in files.items():
            (root / name).write_bytes(content)
        yield root
