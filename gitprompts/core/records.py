"""Versioned JSON records: the one way gitprompts reads back the small records it writes.

A prompt's state file, a model manifest and a run record are each a frozen
msgspec struct with a ``schema_version``. Their bytes can come from anyone (a
``git push`` into a shared registry, a shared artifact store, a model
directory someone sent), so every read:

1. refuses input over the caller's size limit before parsing it, because
   parsed JSON takes many times its size in memory;
2. decodes the JSON into the struct type, msgspec checking every field;
3. refuses a record from a newer gitprompts and says to upgrade, even when
   its fields no longer fit this version's struct (the version is read on
   its own then, so the user hears "upgrade", not "invalid");
4. reports every problem as the caller's gitprompts error, naming the input.

>>> class Note(msgspec.Struct, frozen=True, kw_only=True):
...     schema_version: int = 1
...     text: str = ""
>>> def refused(path: str, reason: str) -> GitPromptsError:
...     return GitPromptsError(f"{path}: {reason}")
>>> notes = RecordDecoder(Note, kind="note", schema_version=1, max_bytes=64, error=refused)
>>> notes.decode(b'{"text": "hi"}', "n.json")
Note(schema_version=1, text='hi')
>>> notes.decode(b'{"schema_version": 2, "text": ["changed"]}', "n.json")  # doctest: +ELLIPSIS
Traceback (most recent call last):
gitprompts.errors.GitPromptsError: n.json: schema_version 2 is newer ...; upgrade gitprompts ...
>>> notes.decode(b'{"text": 1}', "n.json")
Traceback (most recent call last):
gitprompts.errors.GitPromptsError: n.json: invalid note (Expected `str`, got `int` - at `$.text`)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import msgspec

from gitprompts.errors import GitPromptsError

__all__ = ["ErrorFactory", "RecordDecoder", "Versioned"]

ErrorFactory = Callable[[str, str], GitPromptsError]
"""Builds the error to raise from ``(path, reason)``, e.g. ``CorruptPromptFileError``."""


class Versioned(Protocol):
    """A record that says which schema it was written with."""

    @property
    def schema_version(self) -> int: ...


R = TypeVar("R", bound=Versioned)


class _Header(msgspec.Struct):
    # Only the version: every other field of a newer record may have changed shape.
    schema_version: int = 1


_header = msgspec.json.Decoder(_Header)


class RecordDecoder(Generic[R]):
    """Decodes one record type; build it once per type (msgspec compiles the decoder).

    ``kind`` names the record in messages ("state record", "run record"...),
    ``schema_version`` is the newest version this gitprompts writes and reads,
    ``max_bytes`` the largest input it will parse, and ``error`` builds the
    error raised for any input it refuses.

    >>> from gitprompts.errors import CorruptPromptFileError
    >>> class Note(msgspec.Struct, frozen=True):
    ...     schema_version: int = 1
    >>> notes = RecordDecoder(
    ...     Note, kind="note", schema_version=1, max_bytes=8, error=CorruptPromptFileError
    ... )
    >>> notes.decode(b'{"schema_version": 1}', "state/n.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.CorruptPromptFileError: cannot parse state/n.json: larger than the 8-byte ...
    """

    def __init__(
        self,
        record_type: type[R],
        *,
        kind: str,
        schema_version: int,
        max_bytes: int,
        error: ErrorFactory,
    ) -> None:
        self.kind = kind
        self.schema_version = schema_version
        self.max_bytes = max_bytes
        self.error = error
        self._decoder = msgspec.json.Decoder(record_type)

    def decode(self, data: bytes, path: str, error: ErrorFactory | None = None) -> R:
        """The record in ``data`` (read from ``path``); ``error`` overrides the default error.

        >>> class Note(msgspec.Struct, frozen=True):
        ...     schema_version: int = 1
        >>> from gitprompts.errors import ManifestError
        >>> notes = RecordDecoder(
        ...     Note, kind="note", schema_version=1, max_bytes=99, error=ManifestError
        ... )
        >>> notes.decode(b"{}", "n.json")
        Note(schema_version=1)
        >>> notes.decode(b"hello", "n.json")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        gitprompts.errors.ManifestError: bad model manifest n.json: not a gitprompts note (JSON ...)
        """
        make_error = error or self.error
        if len(data) > self.max_bytes:
            raise make_error(
                path,
                f"larger than the {self.max_bytes}-byte limit for a {self.kind}, "
                "so it was not parsed",
            )
        try:
            record = self._decoder.decode(data)
        except msgspec.ValidationError as exc:
            self._refuse_newer(data, path, make_error)
            raise make_error(path, f"invalid {self.kind} ({exc})") from None
        except msgspec.DecodeError as exc:
            raise make_error(path, f"not a gitprompts {self.kind} ({exc})") from None
        except RecursionError:
            # msgspec stops at its own depth limit (a few hundred levels of a
            # free-form JSON field, such as a manifest's input_example).
            raise make_error(path, f"nested too deeply to be a {self.kind}") from None
        if record.schema_version > self.schema_version:
            raise make_error(path, self._newer(record.schema_version))
        return record

    def _refuse_newer(self, data: bytes, path: str, make_error: ErrorFactory) -> None:
        """Raise the upgrade message if ``data`` (which did not fit the struct) is newer."""
        try:
            version = _header.decode(data).schema_version
        except (msgspec.ValidationError, msgspec.DecodeError):
            return
        if version > self.schema_version:
            raise make_error(path, self._newer(version)) from None

    def _newer(self, version: int) -> str:
        return (
            f"schema_version {version} is newer than this gitprompts understands "
            f"({self.schema_version}); upgrade gitprompts to read this {self.kind}"
        )
