"""``state/<name>.json`` on ``main``: what changes about a prompt after its versions are written.

Versions are immutable, but a prompt's aliases, its prompt-level tags, the
tags and model config edited on a version after it was registered, and which
versions were deleted do change. Each
change is a commit to this small per-prompt file, so ``git log state/x.json``
tells who moved ``production`` and when, and edits to different prompts never
touch the same file (they merge without conflict).

``latest`` is the highest version number ever given out, so the next number
is found without listing refs (a version tagged by hand past it is found by
probing the next tag names).

A state file arrives with every push, so ``decode`` treats it as untrusted:
besides the types, it refuses numbers outside 1..``MAX_VERSION`` (``latest``
may be 0), version-tag keys that are not such a number written plainly,
alias names ``set_alias`` would refuse, more than ``MAX_ALIASES`` aliases,
prompt tags ``register_prompt`` would refuse, model configs that are not JSON
objects nested at most ``promptfile.MAX_JSON_DEPTH`` deep, and more than
``MAX_BYTES`` of JSON.

``prompt_tags`` and ``model_configs`` came after schema 1 was first written:
they are optional with defaults, so older files read as before and older
readers ignore them (schema_version stays 1; bumping it would make every
older reader refuse every state file). ``encode`` refuses to write what ``decode``
would refuse, so a writer never leaves behind a file no reader accepts.

>>> s = State(latest=3, aliases={"production": 2})
>>> decode(encode(s)) == s
True
>>> decode(b'{"latest": -5}', "state/x.json")  # doctest: +ELLIPSIS
Traceback (most recent call last):
gitprompts.errors.CorruptStateFileError: cannot parse state/x.json: ... >= 0 - at `$.latest`) ...
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from gitprompts.core.records import RecordDecoder
from gitprompts.core.uri import MAX_VERSION, validate_alias
from gitprompts.errors import CorruptStateFileError, InvalidAliasError, InvalidInputError

SCHEMA_VERSION = 1
# Parsed JSON costs far more memory than its bytes: a 12 MB file of a million
# empty version_tags entries peaked at 150 MB while decoding (tracemalloc), so
# the byte limit is what bounds a reader's memory. The worst 4 MB file
# (358,000 empty version_tags entries) peaks at 65 MB and decodes in 0.4 s;
# real files are small (a state that deleted 100,000 versions is 1.2 MB).
MAX_BYTES = 4 << 20
# The most versions one prompt may have. Every loop over version numbers is
# bounded by the tags that exist, and this caps the numbers a file may name.
# A power of ten, so the key pattern below can spell it.
# Aliases are names people move by hand: a thousand per prompt is plenty, and
# every listed version scans them for its own.
MAX_ALIASES = 1000

_DIGITS = len(str(MAX_VERSION))

Version = Annotated[int, msgspec.Meta(ge=1, le=MAX_VERSION)]
BlobId = Annotated[str, msgspec.Meta(pattern="^(?:[0-9a-f]{40}|[0-9a-f]{64})?$")]


class State(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=False):
    schema_version: int = SCHEMA_VERSION
    latest: Annotated[int, msgspec.Meta(ge=0, le=MAX_VERSION)] = 0
    aliases: Annotated[dict[str, Version], msgspec.Meta(max_length=MAX_ALIASES)] = msgspec.field(
        default_factory=dict
    )
    deleted: Annotated[list[Version], msgspec.Meta(max_length=MAX_VERSION)] = msgspec.field(
        default_factory=list
    )
    # Full tag dicts of versions whose tags were edited after registration,
    # keyed by the version number as a string (JSON object keys are strings).
    version_tags: Annotated[dict[str, dict[str, str]], msgspec.Meta(max_length=MAX_VERSION)] = (
        msgspec.field(default_factory=dict)
    )
    # The prompt's own tags (MLflow's prompt-level tags): what register_prompt(tags=...)
    # and set_prompt_tag write. None: never recorded (a file from before these
    # existed); readers then take the latest version's tags, as they used to.
    prompt_tags: dict[str, str] | None = None
    # Model configs set after registration, keyed like version_tags; None means
    # deleted (the version loads with no model config whatever its file holds).
    model_configs: Annotated[
        dict[str, dict[str, Any] | None], msgspec.Meta(max_length=MAX_VERSION)
    ] = msgspec.field(default_factory=dict)
    # Blob id of version ``latest``'s file. When main's prompts/<name>.prompt
    # still has this id, listing reads the file from main's tree instead of the
    # version commit's (whose prompts/ tree, at 10,000 prompts, costs a 400 KB
    # inflate per prompt). Empty when unknown (files written by hand or by
    # older versions): then the version commit is read, as always.
    latest_blob: BlobId = ""


EMPTY = State()

_decoder = RecordDecoder(
    State,
    kind="state record",
    schema_version=SCHEMA_VERSION,
    max_bytes=MAX_BYTES,
    error=CorruptStateFileError,
)
_encoder = msgspec.json.Encoder(order="sorted")


def encode(state: State, path: str = "the state file") -> bytes:
    """Canonical, diff-friendly JSON (sorted keys, two-space indent, final newline).

    Refuses (``InvalidInputError``) a state that ``decode`` would refuse, so
    nothing unreadable is ever written; the check costs about 4 µs for a
    typical state (a register costs about 5 ms).

    >>> encode(State(latest=MAX_VERSION + 1), "state/x.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.InvalidInputError: refused to write state/x.json: ... <= 1000000 ...
    """
    data = msgspec.json.format(_encoder.encode(state), indent=2) + b"\n"
    try:
        decode(data, path)
    except CorruptStateFileError as exc:
        raise InvalidInputError(
            f"refused to write {path}: {exc.reason}; nothing was written"
        ) from None
    return data


def decode(data: bytes, path: str = "<state file>") -> State:
    """Parse a state file; bad, oversized or newer records raise CorruptStateFileError.

    >>> decode(b'{"latest": 2}').latest
    2
    >>> decode(b'{"schema_version": 2}', "state/x.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.CorruptStateFileError: cannot parse state/x.json: ...; upgrade gitprompts ...
    """
    record = _decoder.decode(data, path)
    for field, keys in (
        ("version_tags", record.version_tags),
        ("model_configs", record.model_configs),
    ):
        for key in keys:
            if not is_version_key(key):
                raise CorruptStateFileError(
                    path,
                    f"{field} key {key!r} is not a version number: use the number as a "
                    f'string, 1-{MAX_VERSION} without sign or leading zeros, such as "3"',
                )
    for key, config in record.model_configs.items():
        # Imported here: promptfile pulls in yaml (~25 ms), which a listing never needs.
        from gitprompts.core.promptfile import json_problem

        problem = None if config is None else json_problem(config)
        if problem is not None:
            raise CorruptStateFileError(
                path, f"model_configs of version {key} {problem}; a model config holds JSON values"
            )
    for key in record.prompt_tags or {}:
        if not key:
            raise CorruptStateFileError(
                path, "prompt_tags has an empty key; tag keys are non-empty"
            )
    for alias in record.aliases:
        try:
            validate_alias(alias)
        except InvalidAliasError:
            raise CorruptStateFileError(
                path,
                f"alias {alias!r} is not an alias name: use 1-255 letters, digits, '-' or '_', "
                "and not 'latest'",
            ) from None
    return record


def is_version_key(key: str) -> bool:
    """Whether ``key`` spells a version number 1..MAX_VERSION the one way ``str(n)`` does.

    >>> [is_version_key(k) for k in ("3", "03", "-3", "abc", str(MAX_VERSION + 1))]
    [True, False, False, False, False]
    """
    # Length first: int() of a long digit string costs quadratic time.
    return (
        0 < len(key) <= _DIGITS
        and key.isascii()
        and key.isdigit()
        and key[0] != "0"
        and int(key) <= MAX_VERSION
    )
