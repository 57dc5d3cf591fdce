"""Prompt names, aliases, versions and ``prompts:/`` URIs.

Everything a user types is checked here, before git is touched, so a bad name
can never become a ref or a path.

>>> parse_prompt_uri("prompts:/summarize/2")
PromptRef(name='summarize', version=2, alias=None)
>>> parse_prompt_uri("summarize@production")
PromptRef(name='summarize', version=None, alias='production')
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from gitprompts.errors import (
    InvalidAliasError,
    InvalidPromptNameError,
    InvalidURIError,
    InvalidVersionError,
)

SCHEME = "prompts:/"
LATEST = "latest"

# The longest component of the layout a name goes into is the file
# ``prompts/<name>.prompt``, and a file name may be 255 bytes on common
# filesystems (ext4, XFS, Btrfs, APFS, NTFS): 255 - len(".prompt") = 248. A
# longer name could be registered but not checked out by a plain
# ``git clone``. (``state/<name>.json`` and the tag directory
# ``refs/tags/prompts/<name>/`` are shorter.)
MAX_NAME_BYTES = 248
# The highest version number, for URIs, tags and state files alike: far more
# than any prompt needs; it keeps parsing cheap (Python's int() refuses
# strings of over 4,300 digits with a bare ValueError, and takes quadratic
# time below that) and bounds what a hand-edited state file can claim.
MAX_VERSION = 10**6
_MAX_VERSION_DIGITS = len(str(MAX_VERSION))

_NAME_CHARS = re.compile(r"[A-Za-z0-9_.\-]+")
_ALIAS = re.compile(r"[A-Za-z0-9_\-]{1,255}")


def version_uri(name: str, version: int) -> str:
    """``prompts:/<name>/<version>``.

    >>> version_uri("greet", 2), alias_uri("greet", "production")
    ('prompts:/greet/2', 'prompts:/greet@production')
    """
    return f"{SCHEME}{name}/{version}"


def alias_uri(name: str, alias: str) -> str:
    """``prompts:/<name>@<alias>``."""
    return f"{SCHEME}{name}@{alias}"


class PromptRef(NamedTuple):
    """A parsed prompt reference: exactly one of ``version`` and ``alias`` is set."""

    name: str
    version: int | None
    alias: str | None

    @property
    def uri(self) -> str:
        if self.version is not None:
            return version_uri(self.name, self.version)
        assert self.alias is not None
        return alias_uri(self.name, self.alias)


def validate_name(name: object) -> str:
    """Return ``name`` if it is a valid prompt name, else raise InvalidPromptNameError."""
    if not isinstance(name, str):
        raise InvalidPromptNameError(name, "not a string")
    if not name:
        raise InvalidPromptNameError(name, "empty")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise InvalidPromptNameError(name, f"longer than {MAX_NAME_BYTES} bytes")
    if not _NAME_CHARS.fullmatch(name):
        raise InvalidPromptNameError(name, "contains a character that is not allowed")
    if name.startswith("."):
        raise InvalidPromptNameError(name, "starts with '.'")
    if ".." in name:
        raise InvalidPromptNameError(name, "contains '..'")
    if name.endswith(".lock"):
        raise InvalidPromptNameError(name, "ends with '.lock'")
    return name


def validate_alias(alias: object, *, allow_latest: bool = False) -> str:
    """Return ``alias`` if it can be set as an alias name."""
    if not isinstance(alias, str) or not _ALIAS.fullmatch(alias):
        raise InvalidAliasError(alias)
    if alias == LATEST and not allow_latest:
        raise InvalidAliasError(alias)
    return alias


def parse_version(version: object) -> int:
    """Accept 3, '3' (as MLflow does); refuse 0, -1, 'x', True, 1.5 and numbers past MAX_VERSION.

    >>> parse_version("3"), parse_version(1_000_000)
    (3, 1000000)
    >>> parse_version("9" * 5000)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.InvalidVersionError: invalid version '99...99' (1000000 is the highest ...
    """
    if isinstance(version, bool):
        raise InvalidVersionError(version)
    if isinstance(version, int):
        number = version
    elif isinstance(version, str) and version.isascii() and version.isdigit():
        if len(version.lstrip("0")) > _MAX_VERSION_DIGITS:  # before int(): see MAX_VERSION
            raise InvalidVersionError(version, _TOO_LARGE)
        number = int(version)
    else:
        raise InvalidVersionError(version)
    if number < 1:
        raise InvalidVersionError(version, "versions start at 1")
    if number > MAX_VERSION:
        raise InvalidVersionError(version, _TOO_LARGE)
    return number


_TOO_LARGE = f"{MAX_VERSION} is the highest version number"


def parse_prompt_uri(uri: str) -> PromptRef:
    """Parse ``prompts:/name/N``, ``prompts:/name@alias`` (or the same without the scheme)."""
    if not isinstance(uri, str):
        raise InvalidURIError(uri)
    body = uri[len(SCHEME) :] if uri.startswith(SCHEME) else uri
    if "@" in body:
        name, _, alias = body.partition("@")
        if not alias or "@" in alias or "/" in alias:
            raise InvalidURIError(uri)
        _checked_name(name, uri)
        try:
            validate_alias(alias, allow_latest=True)
        except InvalidAliasError as exc:
            raise InvalidURIError(uri, f"a valid alias in the URI: {exc}") from None
        return PromptRef(name, None, alias)
    name, slash, version = body.partition("/")
    if not slash or not version or "/" in version:
        raise InvalidURIError(uri)
    _checked_name(name, uri)
    try:
        number = parse_version(version)
    except InvalidVersionError:
        if version.isascii() and version.isdigit() and version.strip("0"):
            raise  # a whole number, only too large: the version is what is wrong
        raise InvalidURIError(
            uri, f"'prompts:/<name>/<version>' with a whole version number from 1 to {MAX_VERSION}"
        ) from None
    return PromptRef(name, number, None)


def resolve_ref(name_or_uri: str, version: object = None) -> PromptRef:
    """What ``load_prompt(name_or_uri, version)`` asks for (memoised: URIs repeat)."""
    try:
        return _resolve_cached(name_or_uri, version)
    except TypeError:  # unhashable arguments: let the checks below name the problem
        return _resolve(name_or_uri, version)


def _resolve(name_or_uri: str, version: object = None) -> PromptRef:
    """What ``load_prompt(name_or_uri, version)`` asks for.

    A bare name with no version means ``@latest``; a version given beside a
    URI is an error, as in MLflow.
    """
    if not isinstance(name_or_uri, str):
        raise InvalidURIError(name_or_uri)
    if name_or_uri.startswith(SCHEME) or "@" in name_or_uri or "/" in name_or_uri:
        if version is not None:
            raise InvalidURIError(
                name_or_uri, "either a URI, or a plain name together with version="
            )
        return parse_prompt_uri(name_or_uri)
    validate_name(name_or_uri)
    if version is None:
        return PromptRef(name_or_uri, None, LATEST)
    if isinstance(version, str) and not version.isdigit():
        return PromptRef(name_or_uri, None, validate_alias(version, allow_latest=True))
    return PromptRef(name_or_uri, parse_version(version), None)


_resolve_cached = lru_cache(maxsize=4096)(_resolve)


def _checked_name(name: str, uri: str) -> None:
    try:
        validate_name(name)
    except InvalidPromptNameError as exc:
        raise InvalidURIError(uri, f"a valid prompt name in the URI: {exc}") from None
