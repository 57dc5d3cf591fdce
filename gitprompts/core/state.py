"""``state/<name>.json`` on ``main``: what changes about a prompt after its versions are written.

Versions are immutable, but a prompt's aliases, the tags edited on a version
after it was registered, and which versions were deleted do change. Each
change is a commit to this small per-prompt file, so ``git log state/x.json``
tells who moved ``production`` and when, and edits to different prompts never
touch the same file (they merge without conflict).

``latest`` is the highest version number ever given out, so the next number
is found without listing refs (a version tagged by hand past it is found by
probing the next tag names).

>>> s = State(latest=3, aliases={"production": 2})
>>> decode(encode(s)) == s
True
"""

from __future__ import annotations

import msgspec

from gitprompts.errors import CorruptPromptFileError

SCHEMA_VERSION = 1


class State(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=False):
    schema_version: int = SCHEMA_VERSION
    latest: int = 0
    aliases: dict[str, int] = msgspec.field(default_factory=dict)
    deleted: list[int] = msgspec.field(default_factory=list)
    # Full tag dicts of versions whose tags were edited after registration,
    # keyed by the version number as a string (JSON object keys are strings).
    version_tags: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)
    # Blob id of version ``latest``'s file. When main's prompts/<name>.prompt
    # still has this id, listing reads the file from main's tree instead of the
    # version commit's (whose prompts/ tree, at 10,000 prompts, costs a 400 KB
    # inflate per prompt). Empty when unknown (files written by hand or by
    # older versions): then the version commit is read, as always.
    latest_blob: str = ""


EMPTY = State()

_decoder = msgspec.json.Decoder(State)
_encoder = msgspec.json.Encoder(order="sorted")


def encode(state: State) -> bytes:
    """Canonical, diff-friendly JSON (sorted keys, two-space indent, final newline)."""
    return msgspec.json.format(_encoder.encode(state), indent=2) + b"\n"


def decode(data: bytes, path: str = "<state file>") -> State:
    try:
        state = _decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise CorruptPromptFileError(path, f"invalid state record: {exc}") from None
    except msgspec.DecodeError as exc:
        raise CorruptPromptFileError(path, f"state record is not JSON: {exc}") from None
    if state.schema_version > SCHEMA_VERSION:
        raise CorruptPromptFileError(
            path,
            f"state schema {state.schema_version} is newer than this gitprompts "
            f"understands ({SCHEMA_VERSION}); upgrade gitprompts",
        )
    return state
