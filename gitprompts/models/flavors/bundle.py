"""A directory written by a library's own ``save``/``persist``, kept as one model file.

LlamaIndex persists an index as a few JSON files and DSPy saves a program as
``program.pkl`` plus ``metadata.json``; a flavor's entry file is one file, so
the directory travels as a bundle (msgpack: names and bytes), handed back to
the library in memory (no temporary directory: on this kind of machine
deleting one cost 3-7 ms, as much as the rest of a load).

>>> unpack(pack_files({"docstore.json": b"{}"}), "models:/x")
{'docstore.json': b'{}'}
>>> unpack(pack_files({"../x": b""}), "models:/x")
Traceback (most recent call last):
gitprompts.errors.ModelError: models:/x: bundle file name '../x' is not a plain file name
"""

from __future__ import annotations

import msgspec

from gitprompts.errors import ModelError

SCHEMA_VERSION = 1


class Bundle(msgspec.Struct, frozen=True, kw_only=True):
    schema_version: int = SCHEMA_VERSION
    files: dict[str, bytes] = msgspec.field(default_factory=dict)


def pack_files(files: dict[str, bytes]) -> bytes:
    """``files`` (plain names to bytes) as one bundle, in name order."""
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
