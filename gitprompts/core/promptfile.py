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
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import yaml

from gitprompts.core.template import jinja_syntax_error
from gitprompts.errors import CorruptPromptFileError, InvalidTemplateError

try:  # libyaml is ~10x faster; fall back to the pure-Python codec where it is missing
    from yaml import CSafeDumper as _Dumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

TEXT = "text"
CHAT = "chat"

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


def decode(data: bytes, path: str = "<prompt file>") -> PromptFile:
    """Parse the bytes of a ``.prompt`` file; a file without front matter is a text template."""
    match = _FRONT_MATTER.match(data)
    try:
        if match is None:
            return PromptFile(type=TEXT, template=data.decode("utf-8"))
        meta = yaml.load(match.group(1), Loader=_Loader) or {}
        body = data[match.end() :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptPromptFileError(path, f"not UTF-8 ({exc.reason})") from None
    except yaml.YAMLError as exc:
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
        if meta.get(key) is not None and not isinstance(meta[key], dict):
            raise CorruptPromptFileError(path, f"{key} must be a mapping")
    message = meta.get("commit_message")
    return PromptFile(
        type=kind,
        template=template,
        commit_message=None if message is None else str(message),
        tags={str(k): str(v) for k, v in tags.items()},
        model_config=meta.get("model_config"),
        response_format=meta.get("response_format"),
    )
