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
    """The file's bytes; values YAML cannot hold are a caller's error, not a crash."""
    try:
        return promptfile.encode(file)
    except yaml.YAMLError as exc:
        raise InvalidInputError(
            f"model_config, response_format and tags must hold only strings, numbers, "
            f"booleans, lists and dicts: {exc}"
        ) from None


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
    return value


def check_response_format(value: object) -> dict[str, Any] | None:
    """A dict as given, or a pydantic model class turned into its JSON schema (as MLflow does)."""
    if isinstance(value, type) and hasattr(value, "model_json_schema"):
        schema: dict[str, Any] = value.model_json_schema()
        return schema
    return check_mapping("response_format", value)
