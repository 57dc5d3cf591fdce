"""Checking what a caller passes for a new version, before anything is written.

A refused value raises ``InvalidInputError`` naming the field and what would
be valid, so a bad ``register_prompt`` call leaves the registry untouched.

>>> prompt_file("Hi {{ name }}", tags={"reviewed": True}).tags
{'reviewed': 'True'}
>>> check_tags({"team": ["a"]})
Traceback (most recent call last):
...
gitprompts.errors.InvalidInputError: tag 'team' has a list value; tag values are strings
"""

from __future__ import annotations

from typing import Any

import yaml

from gitprompts.core import promptfile
from gitprompts.errors import InvalidInputError, PromptTooLargeError


def prompt_file(
    template: object,
    commit_message: object = None,
    tags: object = None,
    response_format: object = None,
    model_config: object = None,
) -> promptfile.PromptFile:
    """The ``PromptFile`` a new version with these arguments would hold (all checked)."""
    _check_length(template)
    kind, checked = promptfile.check_template(template)
    if commit_message is not None and not isinstance(commit_message, str):
        raise InvalidInputError(
            f"commit_message must be a string or None, not {type(commit_message).__name__}"
        )
    return promptfile.PromptFile(
        type=kind,
        template=checked,
        commit_message=commit_message,
        tags=check_tags(tags),
        model_config=check_mapping("model_config", model_config),
        response_format=check_response_format(response_format),
    )


def encode(file: promptfile.PromptFile) -> bytes:
    """The file's bytes, proven to read back as the same version before anything is written.

    A value that would not survive the trip (a set, a date, a tuple key)
    would poison every later listing and push, so it is refused here.
    """
    try:
        data = promptfile.encode(file)
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"{_JSON_TYPES}: {exc}") from None
    limit = promptfile.max_bytes()
    if len(data) > limit:
        raise PromptTooLargeError(len(data), limit)
    if promptfile.decode(data) != file:
        raise InvalidInputError(
            f"this version would not read back as written; {_JSON_TYPES} (tag values are strings)"
        )
    return data


def _check_length(template: object) -> None:
    """Refuse a template that alone is over the size limit before checking or encoding it.

    Every character takes at least one byte, so this never refuses a
    template that fits; ``encode`` checks the exact size of the file.
    """
    if isinstance(template, str):
        length = len(template)
    elif isinstance(template, (list, tuple)):
        length = sum(
            len(m["content"])
            for m in template
            if isinstance(m, dict) and isinstance(m.get("content"), str)
        )
    else:
        return
    limit = promptfile.max_bytes()
    if length > limit:
        raise PromptTooLargeError(length, limit)


_JSON_TYPES = promptfile.JSON_TYPES
# Deep enough for any real JSON schema, shallow enough to bound the work.
MAX_DEPTH = promptfile.MAX_JSON_DEPTH


def check_json(what: str, value: object) -> None:
    """Refuse anything a JSON document could not hold (and so a reader might choke on).

    The rule is ``promptfile.json_problem``'s, which ``decode`` applies to
    what it reads, so whatever is written reads back.

    >>> check_json("model_config", {"temperature": 0.2, "stop": ["\\n"]})
    >>> check_json("model_config", {"seed": {1, 2}})
    Traceback (most recent call last):
    ...
    gitprompts.errors.InvalidInputError: model_config holds a set at ['seed']; model_config, ...
    """
    problem = promptfile.json_problem(value)
    if problem is None:
        return
    if problem.startswith("is nested"):
        raise InvalidInputError(f"{what} {problem}")
    raise InvalidInputError(f"{what} {problem}; {_JSON_TYPES}")


def check_tags(value: object) -> dict[str, str]:
    """Tags as stored: string keys, values made strings (``True`` becomes ``'True'``)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInputError(f"tags must be a dict of str to str, not {type(value).__name__}")
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise InvalidInputError(f"tag key {key!r} must be a non-empty string")
        if not isinstance(item, (str, int, float, bool)):
            raise InvalidInputError(
                f"tag {key!r} has a {type(item).__name__} value; tag values are strings"
            )
        if isinstance(item, int) and item.bit_length() > promptfile.MAX_INT_BITS:
            raise InvalidInputError(
                f"tag {key!r} is an integer of {item.bit_length():,} bits; tag values are "
                f"strings, or integers of at most {promptfile.MAX_INT_BITS} bits"
            )
    return {k: str(v) for k, v in value.items()}


def check_mapping(what: str, value: object) -> dict[str, Any] | None:
    """A dict, or a pydantic model instance dumped to one (e.g. MLflow's PromptModelConfig)."""
    if value is None:
        return None
    if hasattr(value, "model_dump"):
        value = value.model_dump(exclude_none=True)
    if not isinstance(value, dict):
        raise InvalidInputError(f"{what} must be a dict, not {type(value).__name__}")
    check_json(what, value)
    return value


def check_response_format(value: object) -> dict[str, Any] | None:
    """A dict as given, or a pydantic model class turned into its JSON schema (as MLflow does)."""
    if isinstance(value, type) and hasattr(value, "model_json_schema"):
        schema: dict[str, Any] = value.model_json_schema()
        check_json("response_format", schema)
        return schema
    return check_mapping("response_format", value)
