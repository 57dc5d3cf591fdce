"""The ``prompts/<name>.prompt`` file: YAML front matter, then the template verbatim.

A text prompt::

    ---
    type: text
    commit_message: first draft
    tags:
      team: nlp
    ---
    Summarize in {{ num_sentences }} sentences: {{ sentences }}

A chat prompt keeps its messages in the front matter and has an empty body.
The body is everything after the closing ``---`` line, byte for byte: a
template may itself start with ``---``, end without a newline or use CRLF.

>>> data = encode(PromptFile(type="text", template="Hi {{ name }}"))
>>> decode(data).template
'Hi {{ name }}'

The bytes come from git, so from anyone who can push: ``decode`` reads them
in time and memory linear in their size, or refuses them. A file is at most
``max_bytes()`` long (1 MiB unless ``GITPROMPTS_MAX_PROMPT_BYTES`` says
otherwise); its front matter may not use YAML anchors or aliases (a
539-byte "billion laughs" file expands to gigabytes), may not nest deeper
than ``MAX_DEPTH`` levels nor hold more than ``MAX_VALUES`` values, and
``model_config`` and ``response_format`` hold only what JSON can (so every
reader can show them):

>>> decode(b"---\\ntags: &t {a: b}\\n---\\nHi", "prompts/hi.prompt")  # doctest: +ELLIPSIS
Traceback (most recent call last):
gitprompts.errors.CorruptPromptFileError: cannot parse prompts/hi.prompt: line 2 uses a YAML ...
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

import msgspec
import yaml

from gitprompts.core.template import jinja_syntax_error
from gitprompts.errors import CorruptPromptFileError, InvalidInputError, InvalidTemplateError

try:  # libyaml is ~10x faster; fall back to the pure-Python codec where it is missing
    from yaml import CSafeDumper as _Dumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

TEXT = "text"
CHAT = "chat"

# The largest .prompt file written or read. A template is text a model reads:
# 1 MiB is about 250,000 tokens, past the context of most models. Decoding
# a 1 MiB text prompt takes 4 ms; a 1 MiB chat prompt (32,000 short
# messages, over MAX_VALUES) would take 1.9 s and 31 MB.
DEFAULT_MAX_BYTES = 1 << 20
MAX_BYTES_VARIABLE = "GITPROMPTS_MAX_PROMPT_BYTES"
# Collections nested in the front matter: the file's mapping, model_config,
# then MAX_JSON_DEPTH levels inside it, with room to spare.
MAX_DEPTH = 64
# Values (scalars and collections) in the front matter. PyYAML builds each in
# Python: 1 MB of front matter holding 500,000 numbers took 4.9 s and 174 MB
# to decode, while 100,000 values take about 1 s and 35 MB. A chat prompt
# costs five values a message, so this allows some 20,000 messages.
MAX_VALUES = 100_000
# How deep model_config and response_format may nest: deep enough for any
# real JSON schema, shallow enough to bound the work of every reader.
MAX_JSON_DEPTH = 32
# Integers a reader can always print: Python's str() refuses an int of over
# 4,300 digits (with a bare ValueError), and JSON readers beyond 64 bits.
MAX_INT_BITS = 64
JSON_TYPES = (
    "model_config, response_format and tags must hold only strings, finite numbers "
    "(integers of at most 64 bits), booleans, null, lists and dicts with string keys"
)

_FRONT_MATTER = re.compile(rb"\A---\r?\n(.*?)^---(?:\r?\n|\Z)", re.S | re.M)
_DELIMITER_LINE = re.compile(r"^(---|\.\.\.)\s*$", re.M)

Messages = list[dict[str, str]]


class PromptFile(msgspec.Struct, frozen=True, kw_only=True):
    """What one version of a prompt holds (everything but its number and git facts)."""

    type: str = TEXT
    template: str | Messages
    commit_message: str | None = None
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    model_config: dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None


class _LiteralDumper(_Dumper):
    """Writes multi-line strings as ``|`` blocks so chat messages stay readable.

    The emitter falls back to a quoted style by itself whenever a block
    scalar could not round-trip the string exactly (trailing spaces, tabs...).
    """


def _represent_str(dumper: _LiteralDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _represent_str)


def check_template(template: object) -> tuple[str, str | Messages]:
    """Return ``(type, template)`` or raise InvalidTemplateError."""
    if isinstance(template, str):
        _check_text(template, template)
        return TEXT, template
    if isinstance(template, (list, tuple)):
        if not template:
            raise InvalidTemplateError(template, "a chat template needs at least one message")
        messages: Messages = []
        for i, message in enumerate(template):
            if not isinstance(message, dict) or set(message) != {"role", "content"}:
                raise InvalidTemplateError(
                    template,
                    f"message {i} must be a dict with exactly the keys 'role' and 'content'",
                )
            role, content = message["role"], message["content"]
            if not isinstance(role, str) or not role or not isinstance(content, str):
                raise InvalidTemplateError(
                    template, f"message {i} needs a non-empty string 'role' and a string 'content'"
                )
            _check_text(template, content)
            messages.append({"role": role, "content": content})
        return CHAT, messages
    raise InvalidTemplateError(
        template, "expected a string or a list of {'role': ..., 'content': ...} messages"
    )


def _check_text(template: object, text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidTemplateError(
            template, "contains characters that are not valid Unicode"
        ) from None
    start = text.find("{{")
    while start >= 0:
        close = text.find("}}", start + 2)
        following = text.find("{{", start + 2)
        if close < 0 or (0 <= following < close):
            break
        start = text.find("{{", close + 2)
    if start >= 0:
        raise InvalidTemplateError(
            template,
            f"'{{{{' at offset {start} is never closed; write variables as '{{{{ name }}}}'",
        )
    if "{%" in text or "{#" in text:
        error = jinja_syntax_error(text)
        if error:
            raise InvalidTemplateError(template, f"Jinja2 syntax error: {error}")


def encode(prompt: PromptFile) -> bytes:
    """Serialise a prompt version to the bytes of its ``.prompt`` file."""
    meta: dict[str, Any] = {"type": prompt.type}
    if prompt.commit_message is not None:
        meta["commit_message"] = prompt.commit_message
    if prompt.tags:
        meta["tags"] = dict(prompt.tags)
    if prompt.model_config is not None:
        meta["model_config"] = prompt.model_config
    if prompt.response_format is not None:
        meta["response_format"] = prompt.response_format
    body = ""
    if prompt.type == CHAT:
        meta["messages"] = prompt.template
    else:
        assert isinstance(prompt.template, str)
        body = prompt.template
    front = yaml.dump(
        meta, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=2**31 - 1
    )
    if _DELIMITER_LINE.search(front):
        # A bare '---' line inside the metadata would end the front matter early;
        # flow style (JSON-like, one line per document) can never produce one.
        front = yaml.dump(meta, Dumper=_Dumper, default_flow_style=True, width=2**31 - 1)
    return b"---\n" + front.encode("utf-8") + b"---\n" + body.encode("utf-8")


def max_bytes() -> int:
    """The largest ``.prompt`` file accepted: ``$GITPROMPTS_MAX_PROMPT_BYTES``, else 1 MiB.

    Read on every call (an ``os.environ`` lookup, well under a microsecond),
    so a process that sets it, and the hooks it starts, agree at once.

    >>> max_bytes()
    1048576
    """
    value = os.environ.get(MAX_BYTES_VARIABLE, "")
    if not value:
        return DEFAULT_MAX_BYTES
    # At most 18 digits, so int() is cheap and the limit fits in 64 bits.
    if not (value.isascii() and value.isdigit() and len(value) <= 18 and int(value) > 0):
        raise InvalidInputError(
            f"{MAX_BYTES_VARIABLE}={value!r} is not a size: give a whole number of bytes "
            f"such as {DEFAULT_MAX_BYTES} (1 MiB, the default), or unset it"
        )
    return int(value)


def json_problem(value: object, depth: int = 0, where: tuple[object, ...] = ()) -> str | None:
    """What keeps ``value`` from being a JSON document, or None when it is one.

    >>> json_problem({"stop": ["\\n"], "temperature": 0.2}) is None
    True
    >>> json_problem({"seed": {1, 2}})
    "holds a set at ['seed']"
    """
    if depth > MAX_JSON_DEPTH:
        return f"is nested deeper than {MAX_JSON_DEPTH} levels at {_at(where)}"
    if value is None or isinstance(value, (str, bool)):
        return None
    if isinstance(value, int):
        return _int_problem(value, _at(where))
    if isinstance(value, float):
        return None if math.isfinite(value) else f"holds {value!r} at {_at(where)}"
    if isinstance(value, list):
        items: Any = enumerate(value)
    elif isinstance(value, dict):
        items = value.items()
        for key in value:
            if not isinstance(key, str):
                return f"has a {type(key).__name__} key {key!r} at {_at(where)}"
    else:
        return f"holds a {type(value).__name__} at {_at(where)}"
    for key, item in items:
        problem = json_problem(item, depth + 1, (*where, key))
        if problem is not None:
            return problem
    return None


def _at(where: tuple[object, ...]) -> str:
    return "".join(f"[{part!r}]" for part in where) or "the top level"


def _int_problem(value: int, at: str) -> str | None:
    bits = value.bit_length()
    return f"holds an integer of {bits:,} bits at {at}" if bits > MAX_INT_BITS else None


def _scalar_text(value: object, what: str, path: str) -> str:
    """A tag or commit message read from YAML as text (``2024-01-01`` is a date there)."""
    if isinstance(value, (list, dict, set)):
        raise CorruptPromptFileError(path, f"{what} must be a string, not a {type(value).__name__}")
    if isinstance(value, int) and _int_problem(value, what) is not None:
        raise CorruptPromptFileError(
            path,
            f"{what} is an integer of {value.bit_length():,} bits; integers may have at most "
            f"{MAX_INT_BITS} bits (quote it to make it a string)",
        )
    return str(value)


def _check_events(front: bytes, path: str) -> None:
    """Refuse anchors, aliases and deep nesting before anything is built from the YAML.

    PyYAML builds an alias as a second reference to the same object, so 9
    levels of 9 aliases (539 bytes) make a structure that any reader which
    walks it (``str()``, ``json.dumps``, a comparison) expands to 9**9
    strings: 2.3 GB and over a minute. This pass reads the parser's events
    one at a time (memory does not grow with the input) and stops at the
    first anchor or alias, before anything is composed. Measured beside
    the load itself (libyaml): 30-40 us more on a 65-85 us load of a typical
    file, 12 ms more on a 35 ms load of a 100 kB chat prompt. It also keeps
    the pure-Python composer, which recurses, within MAX_DEPTH levels.
    """
    loader = _Loader(front)
    depth = values = 0
    try:
        while loader.check_event():
            event: Any = loader.get_event()
            problem = None
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                problem = (
                    "uses a YAML anchor or alias ('&name' or '*name'); anchors and aliases "
                    "are not allowed in a prompt file: write the value out in full"
                )
            elif isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
                values += 1
                depth += isinstance(event, yaml.CollectionStartEvent)
                if values > MAX_VALUES:
                    problem = f"takes the front matter past {MAX_VALUES:,} values"
                elif depth > MAX_DEPTH:
                    problem = f"is nested deeper than {MAX_DEPTH} levels"
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if problem is not None:
                # +2: marks count from 0, and the front matter starts after '---'.
                raise CorruptPromptFileError(path, f"line {event.start_mark.line + 2} {problem}")
    finally:
        loader.dispose()


def load_yaml(data: bytes, path: str) -> Any:
    """YAML that a user hands over (a chat template, ``--model-config``), read as safely as
    a prompt file's front matter: no anchors or aliases, bounded depth and size.

    >>> load_yaml(b"temperature: 0.2", "config.yaml")
    {'temperature': 0.2}
    """
    _check_events(data, path)
    return _load(data, path)


def _load(front: bytes, path: str) -> Any:
    """The front matter's value, once ``_check_events`` has passed it."""
    try:
        return yaml.load(front, Loader=_Loader) or {}
    except yaml.YAMLError:
        raise
    except Exception as exc:
        # PyYAML's constructors raise what Python raises for a value they cannot
        # build (a 13th month, a 5,000-digit number, '!!int x'): ValueError,
        # AttributeError... The input is bounded by now, so any of it is the file's.
        reason = f"{type(exc).__name__}: {exc}"
        raise CorruptPromptFileError(
            path, f"the front matter holds a value that cannot be read ({reason})"
        ) from None


def too_large(size: int) -> str:
    """Why a prompt file of ``size`` bytes is refused (the reader's and the hook's words).

    >>> too_large(2_000_000)  # doctest: +ELLIPSIS
    '2,000,000 bytes, over the limit of 1,048,576 bytes for a prompt file (raise it with ...)'
    """
    return (
        f"{size:,} bytes, over the limit of {max_bytes():,} bytes for a prompt file "
        f"(raise it with {MAX_BYTES_VARIABLE}=<bytes>)"
    )


def decode(data: bytes, path: str = "<prompt file>") -> PromptFile:
    """Parse the bytes of a ``.prompt`` file; a file without front matter is a text template."""
    if len(data) > max_bytes():
        raise CorruptPromptFileError(path, too_large(len(data)))
    match = _FRONT_MATTER.match(data)
    try:
        if match is None:  # a plain text template, checked like any other
            meta: Any = {}
            body = data.decode("utf-8")
        else:
            front = match.group(1)
            _check_events(front, path)
            meta = _load(front, path)
            body = data[match.end() :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptPromptFileError(path, f"not UTF-8 ({exc.reason})") from None
    except yaml.YAMLError as exc:  # from the event scan or the load
        raise CorruptPromptFileError(path, f"front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise CorruptPromptFileError(path, "front matter must be a mapping")
    kind = meta.get("type", CHAT if "messages" in meta else TEXT)
    template: str | Messages
    if kind == CHAT:
        template = meta.get("messages")  # type: ignore[assignment]
    elif kind == TEXT:
        template = body
    else:
        raise CorruptPromptFileError(path, f"type must be 'text' or 'chat', not {kind!r}")
    try:
        check_template(template)
    except InvalidTemplateError as exc:
        raise CorruptPromptFileError(path, exc.reason) from None
    tags = meta.get("tags") or {}
    if not isinstance(tags, dict):
        raise CorruptPromptFileError(path, "tags must be a mapping")
    for key in ("model_config", "response_format"):
        if meta.get(key) is not None:
            if not isinstance(meta[key], dict):
                raise CorruptPromptFileError(path, f"{key} must be a mapping")
            problem = json_problem(meta[key])
            if problem is not None:
                raise CorruptPromptFileError(path, f"{key} {problem}; {JSON_TYPES}")
    message = meta.get("commit_message")
    return PromptFile(
        type=kind,
        template=template,
        commit_message=None if message is None else _scalar_text(message, "commit_message", path),
        tags={
            _scalar_text(k, "a tag key", path): _scalar_text(v, f"tag {k!r}", path)
            for k, v in tags.items()
        },
        model_config=meta.get("model_config"),
        response_format=meta.get("response_format"),
    )
