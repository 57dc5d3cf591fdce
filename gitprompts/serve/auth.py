"""The push token: HTTP basic (any user, password = token) or ``Authorization: Bearer``.

>>> check_token("Bearer s3cret", ["s3cret"])
True
>>> check_token("", ["s3cret"])
False
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Sequence
from pathlib import Path

from gitprompts.errors import InvalidInputError


def check_token(authorization: str, tokens: Sequence[str]) -> bool:
    """Whether an ``Authorization`` header carries one of ``tokens`` (constant-time compare).

    >>> check_token("Basic " + base64.b64encode(b"me:s3cret").decode(), ["s3cret"])
    True
    """
    scheme, _, credentials = authorization.partition(" ")
    given = ""
    if scheme.lower() == "bearer":
        given = credentials.strip()
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        given = decoded.partition(":")[2]
    if not given:
        return False
    found = False
    for token in tokens:
        found |= hmac.compare_digest(given.encode(), token.encode())
    return found


def read_token_file(path: str) -> str:
    """The token in ``path`` (first line, stripped); an empty or missing file is an error.

    >>> read_token_file("/etc/gitprompts/token")   # doctest: +SKIP
    's3cret'
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot read token file {path}: {exc.strerror or exc}") from None
    token = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not token:
        raise InvalidInputError(f"token file {path} is empty")
    return token
