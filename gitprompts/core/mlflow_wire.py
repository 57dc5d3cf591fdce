"""MLflow's prompt records on the wire, in one place: tag keys and JSON shapes.

MLflow 3.x keeps a prompt as a registered model tagged
``mlflow.prompt.is_prompt = true`` and each version as a model version whose
tags hold the template (``mlflow.prompt.text``; a chat template as JSON), its
type, and the JSON of ``model_config`` and ``response_format``
(``mlflow/prompt/constants.py``, ``abstract_store.create_prompt_version``,
recorded against MLflow 3.17.2). ``gitprompts serve`` answers in these shapes
and ``gitprompts import/export mlflow`` reads and writes them, so both go
through this module. Pure: no I/O.

>>> pv = PromptVersion("greet", 1, "Hi {{ name }}", commit_message="first")
>>> record = version_json(pv)
>>> record["version"], record["description"], tag_dict(record["tags"])[TEXT_TAG]
('1', 'first', 'Hi {{ name }}')
>>> version_fields(tag_dict(record["tags"]), "greet/1").template
'Hi {{ name }}'
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from gitprompts.core.prompt import PromptVersion
from gitprompts.errors import InvalidInputError

IS_PROMPT_TAG = "mlflow.prompt.is_prompt"
TEXT_TAG = "mlflow.prompt.text"
TYPE_TAG = "_mlflow_prompt_type"
RESPONSE_FORMAT_TAG = "_mlflow_prompt_response_format"
MODEL_CONFIG_TAG = "_mlflow_prompt_model_config"
# Tags MLflow writes for itself on a version: never a user's version tag here.
INTERNAL_VERSION_TAGS = frozenset(
    {IS_PROMPT_TAG, TEXT_TAG, TYPE_TAG, RESPONSE_FORMAT_TAG, MODEL_CONFIG_TAG}
)
# What MLflow's client sends as a prompt version's (unused) source.
SOURCE = "dummy-source"
# The logged model / run tag where MLflow lists the prompts a model used.
LINKED_PROMPTS_TAG = "mlflow.linkedPrompts"
# Bounds for what an MLflow server sends us (``gitprompts import mlflow``).
MAX_TAGS = 10_000
MAX_TAG_VALUE = 8 * 1024 * 1024


class VersionFields(msgspec.Struct, frozen=True, kw_only=True):
    """What a gitprompts version is made of, read from one MLflow version's tags."""

    template: str | list[dict[str, str]]
    tags: dict[str, str]
    model_config: dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None


def tag_dict(tags: object, where: str = "tags") -> dict[str, str]:
    """MLflow's ``[{"key": k, "value": v}, ...]`` as a dict, checked (untrusted input).

    >>> tag_dict([{"key": "team", "value": "nlp"}])
    {'team': 'nlp'}
    >>> tag_dict([{"key": 1}], "greet/1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.InvalidInputError: greet/1: tag 0 must be {"key": string, ...}, got {'key': 1}
    """
    if tags is None:
        return {}
    if not isinstance(tags, list) or len(tags) > MAX_TAGS:
        raise InvalidInputError(
            f"{where}: tags must be a list of at most {MAX_TAGS} key/value pairs"
        )
    out: dict[str, str] = {}
    for i, tag in enumerate(tags):
        key = tag.get("key") if isinstance(tag, dict) else None
        value = tag.get("value", "") if isinstance(tag, dict) else None
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise InvalidInputError(
                f'{where}: tag {i} must be {{"key": string, "value": string}}, got {tag!r:.200}'
            )
        if len(value) > MAX_TAG_VALUE:
            raise InvalidInputError(f"{where}: tag {key!r} is over {MAX_TAG_VALUE} characters")
        out[key] = value
    return out


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """The inverse of ``tag_dict``.

    >>> tag_list({"team": "nlp"})
    [{'key': 'team', 'value': 'nlp'}]
    """
    return [{"key": k, "value": v} for k, v in tags.items()]


def _json_object(text: str, what: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidInputError(f"{where}: {what} is not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise InvalidInputError(f"{where}: {what} must be a JSON object, got {text[:80]!r}")
    return value


def version_fields(tags: dict[str, str], where: str) -> VersionFields:
    """The template, user tags, model config and response format in a version's tags.

    >>> chat = {TEXT_TAG: '[{"role": "user", "content": "Hi"}]', TYPE_TAG: "chat"}
    >>> version_fields(chat, "x/1").template
    [{'role': 'user', 'content': 'Hi'}]
    >>> version_fields({"team": "nlp"}, "x/1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.InvalidInputError: x/1: no 'mlflow.prompt.text' tag: not an MLflow prompt ...
    """
    if TEXT_TAG not in tags:
        raise InvalidInputError(f"{where}: no {TEXT_TAG!r} tag: not an MLflow prompt version")
    text = tags[TEXT_TAG]
    kind = tags.get(TYPE_TAG, "text")
    template: str | list[dict[str, str]]
    if kind == "chat":
        try:
            messages = json.loads(text)
        except ValueError as exc:
            raise InvalidInputError(f"{where}: a chat template is not JSON ({exc})") from None
        if not isinstance(messages, list):
            raise InvalidInputError(f"{where}: a chat template must be a JSON list of messages")
        template = messages
    elif kind == "text":
        template = text
    else:
        raise InvalidInputError(f"{where}: prompt type {kind!r} is neither 'text' nor 'chat'")
    config = tags.get(MODEL_CONFIG_TAG)
    schema = tags.get(RESPONSE_FORMAT_TAG)
    return VersionFields(
        template=template,
        tags={k: v for k, v in tags.items() if k not in INTERNAL_VERSION_TAGS},
        model_config=_json_object(config, "model_config", where) if config else None,
        response_format=_json_object(schema, "response_format", where) if schema else None,
    )


def version_tags(pv: PromptVersion) -> dict[str, str]:
    """A version's tags as MLflow stores them: the user's, then MLflow's own keys."""
    tags = dict(pv.tags)
    tags[IS_PROMPT_TAG] = "true"
    if isinstance(pv.template, str):
        tags[TYPE_TAG] = "text"
        tags[TEXT_TAG] = pv.template
    else:
        tags[TYPE_TAG] = "chat"
        tags[TEXT_TAG] = json.dumps(pv.template)
    if pv.response_format:
        tags[RESPONSE_FORMAT_TAG] = json.dumps(pv.response_format)
    if pv.model_config:
        tags[MODEL_CONFIG_TAG] = json.dumps(pv.model_config)
    return tags


def version_json(pv: PromptVersion) -> dict[str, Any]:
    """One version as MLflow's ``ModelVersion`` JSON (what ``model-versions/get`` answers)."""
    record: dict[str, Any] = {
        "name": pv.name,
        "version": str(pv.version),
        "creation_timestamp": pv.creation_timestamp,
        "last_updated_timestamp": pv.last_updated_timestamp or pv.creation_timestamp,
        "current_stage": "None",
        "description": pv.commit_message or "",
        "source": SOURCE,
        "run_id": "",
        "status": "READY",
        "tags": tag_list(version_tags(pv)),
        "run_link": "",
    }
    if pv.aliases:
        record["aliases"] = list(pv.aliases)
    if pv.user_id:
        record["user_id"] = pv.user_id
    return record


def error_json(code: str, message: str) -> bytes:
    """MLflow's error body, which its client turns into ``MlflowException(message)``.

    >>> error_json("ENDPOINT_NOT_FOUND", "no such endpoint")
    b'{"error_code": "ENDPOINT_NOT_FOUND", "message": "no such endpoint"}'
    """
    return json.dumps({"error_code": code, "message": message}).encode()


__all__ = [
    "INTERNAL_VERSION_TAGS",
    "IS_PROMPT_TAG",
    "LINKED_PROMPTS_TAG",
    "MODEL_CONFIG_TAG",
    "RESPONSE_FORMAT_TAG",
    "SOURCE",
    "TEXT_TAG",
    "TYPE_TAG",
    "VersionFields",
    "error_json",
    "tag_dict",
    "tag_list",
    "version_fields",
    "version_json",
    "version_tags",
]
