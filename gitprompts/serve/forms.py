"""Reading what a browser posts: a bounded form body, cookies, and the fields of a version.

A form body is read only up to ``MAX_FORM`` bytes (a ``.prompt`` file may be
1 MiB, and a chat prompt's messages come URL-encoded, up to 3 bytes per
byte) and at most ``MAX_FIELDS`` fields; anything larger is refused before
it is parsed. Text fields come back as the browser sent them, except that
line endings are made ``\\n`` (a textarea submits CRLF, which would make
every saved version differ from one registered from Python).

>>> parse_form(b"a=1&b=x%0D%0Ay&a=2")
{'a': ['1', '2'], 'b': ['x\\ny']}
>>> parse_tags("team=nlp\\nowner = ada")
{'team': 'nlp', 'owner': 'ada'}
"""

from __future__ import annotations

import json
from http.cookies import CookieError, SimpleCookie
from typing import IO, Any
from urllib.parse import parse_qs

from gitprompts.errors import InvalidInputError

MAX_FORM = 4 << 20
MAX_FIELDS = 2000
MAX_MESSAGES = 500


def read_body(environ: dict[str, Any]) -> bytes:
    """The request body (``Content-Length`` bytes, at most ``MAX_FORM``).

    >>> import io
    >>> read_body({"CONTENT_LENGTH": "3", "wsgi.input": io.BytesIO(b"a=1")})
    b'a=1'
    """
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise InvalidInputError("Content-Length is not a number") from None
    if length < 0 or length > MAX_FORM:
        raise InvalidInputError(f"a form may be at most {MAX_FORM} bytes (this one: {length})")
    stream: IO[bytes] = environ["wsgi.input"]
    data = b""
    while len(data) < length:
        chunk = stream.read(length - len(data))
        if not chunk:
            raise InvalidInputError("the form ended before its Content-Length")
        data += chunk
    return data


def parse_form(body: bytes) -> dict[str, list[str]]:
    """Fields of an ``application/x-www-form-urlencoded`` body, CRLF made LF."""
    try:
        text = body.decode("utf-8")
        parsed = parse_qs(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
            errors="strict",
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(f"the form is not valid UTF-8 form data: {exc}") from None
    return {
        k: [v.replace("\r\n", "\n").replace("\r", "\n") for v in vs] for k, vs in parsed.items()
    }


def one(form: dict[str, list[str]], name: str, default: str = "") -> str:
    """The last value of field ``name`` (as a browser sends one), or ``default``.

    >>> one({"a": ["1", "2"]}, "a"), one({}, "b", "x")
    ('2', 'x')
    """
    values = form.get(name)
    return values[-1] if values else default


def cookies(environ: dict[str, Any]) -> dict[str, str]:
    """The request's cookies by name (a malformed header: none).

    >>> cookies({"HTTP_COOKIE": "a=1; b=2"})
    {'a': '1', 'b': '2'}
    """
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(environ.get("HTTP_COOKIE", "")[:8192])
    except CookieError:
        return {}
    return {k: m.value for k, m in jar.items()}


def parse_tags(text: str, field: str = "tags") -> dict[str, str]:
    """``key=value`` lines (blank lines skipped) as a dict; a line without ``=`` is an error.

    >>> parse_tags("a")
    Traceback (most recent call last):
    gitprompts.errors.InvalidInputError: line 1 of tags is 'a': write key=value, one per line
    """
    tags: dict[str, str] = {}
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        key, has_value, value = line.partition("=")
        if not has_value or not key.strip():
            raise InvalidInputError(
                f"line {number} of {field} is {line!r}: write key=value, one per line"
            )
        tags[key.strip()] = value.strip()
    return tags


def format_tags(tags: dict[str, str]) -> str:
    """The text ``parse_tags`` reads back.

    >>> format_tags({"a": "1", "b": "2"})
    'a=1\\nb=2'
    """
    return "\n".join(f"{k}={v}" for k, v in tags.items())


def parse_json_object(text: str, field: str) -> dict[str, Any] | None:
    """A JSON object typed into ``field`` (empty: None).

    >>> parse_json_object('{"temperature": 0.2}', "model_config")
    {'temperature': 0.2}
    >>> parse_json_object("[1]", "model_config")
    Traceback (most recent call last):
    gitprompts.errors.InvalidInputError: model_config must be a JSON object ({...}), not a list
    """
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidInputError(f"{field} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        kind = type(value).__name__.replace("NoneType", "null")
        raise InvalidInputError(f"{field} must be a JSON object ({{...}}), not a {kind}")
    return value


def messages(form: dict[str, list[str]]) -> list[dict[str, str]]:
    """The chat messages of a version form: ``role``/``content`` pairs in order.

    Rows whose role and content are both empty are dropped (the form offers
    a blank row to add a message).

    >>> messages({"role": ["system", "user", ""], "content": ["Be {{ x }}", "{{ q }}", ""]})
    [{'role': 'system', 'content': 'Be {{ x }}'}, {'role': 'user', 'content': '{{ q }}'}]
    """
    roles, contents = form.get("role", []), form.get("content", [])
    if len(roles) != len(contents):
        raise InvalidInputError("each chat message needs a role and a content")
    if len(roles) > MAX_MESSAGES:
        raise InvalidInputError(f"a chat prompt may have at most {MAX_MESSAGES} messages")
    found = [
        {"role": r.strip(), "content": c}
        for r, c in zip(roles, contents, strict=True)
        if r.strip() or c
    ]
    return found
