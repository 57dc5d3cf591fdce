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

from gitprompts.core.records import RecordDecoder
from gitprompts.errors import CorruptPromptFileError

SCHEMA_VERSION = 1
# A state file arrives with every push; parsing one far past any real size
# (aliases, deleted numbers and edited tags of one prompt) is refused.
MAX_BYTES = 16 << 20


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

_decoder = RecordDecoder(
    State,
    kind="state record",
    schema_version=SCHEMA_VERSION,
    max_bytes=MAX_BYTES,
    error=CorruptPromptFileError,
)
_encoder = msgspec.json.Encoder(order="sorted")


def encode(state: State) -> bytes:
    """Canonical, diff-friendly JSON (sorted keys, two-space indent, final newline)."""
    return msgspec.json.format(_encoder.encode(state), indent=2) + b"\n"


def decode(data: bytes, path: str = "<state file>") -> State:
    """Parse a state file; bad, oversized or newer records raise CorruptPromptFileError.

    >>> decode(b'{"latest": 2}').latest
    2
    >>> decode(b'{"schema_version": 2}', "state/x.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.CorruptPromptFileError: cannot parse state/x.json: ...; upgrade gitprompts ...
    """
    return _decoder.decode(data, path)
