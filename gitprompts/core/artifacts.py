"""The shared artifact store's address: which URLs name one, and the registry's setting.

A store is a local path or a URL whose scheme an artifact-store module
handles (``gitprompts.models.stores``). Anything that looks like a URL but
has another scheme is refused by name, never taken as a relative directory
called ``s3:``. The registry's own choice is a small record on ``main``
(``layout.ARTIFACTS_FILE``), written by ``gitprompts artifacts set URL``,
read here and checked by the server hook with the same decoder.

>>> kind("s3://team-models/prod")
'url'
>>> kind("/srv/artifacts")
'path'
>>> decode(encode(ArtifactsSetting(url="s3://team-models")), "artifacts.json").url
's3://team-models'
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec

from gitprompts.core.records import RecordDecoder
from gitprompts.errors import CorruptArtifactsSettingError, UnsupportedArtifactStoreError

SCHEMA_VERSION = 1
# One URL and a version: a few hundred bytes. Anything near this is not ours.
MAX_BYTES = 4096
MAX_URL = 2048
SCHEMES = ("az", "gs", "http", "https", "s3")
# Two letters or more before ':', so a Windows drive ("C:") stays a path.
_URLISH = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]+:")


class ArtifactsSetting(msgspec.Struct, frozen=True, kw_only=True):
    schema_version: int = SCHEMA_VERSION
    url: str


_encoder = msgspec.json.Encoder(order="sorted")
_decoder = RecordDecoder(
    ArtifactsSetting,
    kind="artifacts setting",
    schema_version=SCHEMA_VERSION,
    max_bytes=MAX_BYTES,
    error=CorruptArtifactsSettingError,
)


def kind(value: str) -> Literal["url", "path"]:
    """Whether ``value`` names a store by URL or a local directory; an unknown scheme raises.

    >>> kind("ftp://example.com/x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.UnsupportedArtifactStoreError: artifact store 'ftp://example.com/x': ...
    >>> kind("s3:bucket")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.UnsupportedArtifactStoreError: artifact store 's3:bucket': ...
    """
    if not _URLISH.match(value):
        return "path"
    scheme, _, rest = value.partition(":")
    if scheme.lower() not in SCHEMES or not rest.startswith("//") or len(rest) <= 2:
        raise UnsupportedArtifactStoreError(value, list(SCHEMES))
    if len(value) > MAX_URL or any(ord(c) < 0x21 for c in value):
        raise UnsupportedArtifactStoreError(value, list(SCHEMES))
    return "url"


def scheme(url: str) -> str:
    """The lowercase scheme of a store URL (``kind(url)`` must be ``"url"``).

    >>> scheme("S3://bucket")
    's3'
    """
    return url.partition(":")[0].lower()


def encode(setting: ArtifactsSetting) -> bytes:
    return _encoder.encode(setting) + b"\n"


def decode(data: bytes, path: str) -> ArtifactsSetting:
    """The setting in ``data``; a bad record or a URL no store handles raises naming ``path``.

    >>> decode(b'{"schema_version": 1, "url": "ftp://x"}', "artifacts.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.CorruptArtifactsSettingError: ... artifacts.json: ...
    """
    setting = _decoder.decode(data, path)
    try:
        if kind(setting.url) != "url":
            raise UnsupportedArtifactStoreError(setting.url, list(SCHEMES))
    except UnsupportedArtifactStoreError as exc:
        raise CorruptArtifactsSettingError(path, str(exc)) from None
    return setting
