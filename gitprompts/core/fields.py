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
from gitprompts.errors import InvalidInputError


def prompt_file(
    template: object,
    commit_message: object = None,
    tags: object = None,
    response_format: object = None,
    model_config: object = None,
) -> promptfile.PromptFile:
    """The ``PromptFile`` a new version with these arguments would hold (all checked)."""
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
    if promptfile.decode(data) != file:
        raise InvalidInputError(
            f"this version would not read back as written; {_JSON_TYPES} (tag values are strings)"
        )
    return data


_JSON_TYPES = (
    "model_config, response_format and tags must hold only strings, finite numbers, "
    "booleans, null, lists and dicts with string keys"
)
# Deep enough for any real JSON schema, shallow enough to bound the work.
MAX_DEPTH = 32


def check_json(what: str, value: object, depth: int = 0) -> None:
    """Refuse anything a JSON document could not hold (and so a reader might choke on).

    >>> check_json("model_config", {"temperature": 0.2, "stop": ["\\n"]})
    >>> check_json("model_config", {"seed": {1, 2}})
    Traceback (most recent call last):
    ...
    gitprompts.errors.InvalidInputError: model_config holds a set at ['seed']; model_config, ...
    """
    _check_json(what, value, depth, [])


def _check_json(what: str, value: object, depth: int, where: list[object]) -> None:
    at = "".join(f"[{part!r}]" for part in where) or "the top level"
    if depth > MAX_DEPTH:
        raise InvalidInputError(f"{what} is nested deeper than {MAX_DEPTH} levels at {at}")
    if value is None or isinstance(value, (str, bool)):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidInputError(f"{what} holds {value!r} at {at}; {_JSON_TYPES}")
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(what, item, depth + 1, [*where, i])
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInputError(
                    f"{what} has a {type(key).__name__} key {key!r} at {at}; {_JSON_TYPES}"
                )
            _check_json(what, item, depth + 1, [*where, key])
        return
    raise InvalidInputError(f"{what} holds a {type(value).__name__} at {at}; {_JSON_TYPES}")


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
