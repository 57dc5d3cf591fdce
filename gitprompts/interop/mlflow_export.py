"""``gitprompts export mlflow URL``: this registry's prompts into an MLflow tracking server.

The other way from ``mlflow_import``, for teams trialling both: every live
version with its template, commit message, tags, model config and response
format, the prompt's tags and its aliases, over MLflow's REST API (the calls
MLflow's own client makes). Numbers match as on import: a number deleted here
becomes a placeholder version in MLflow, deleted at once. MLflow sets a
version's creation time itself, so the exported versions are dated at export.
Re-running writes only what MLflow lacks; a version MLflow has with another
template is reported and its prompt left alone.

>>> export_mlflow("http://127.0.0.1:5000").exported   # doctest: +SKIP
['prompts:/greet/1']
"""

from __future__ import annotations

from typing import Any

import msgspec

from gitprompts.core.mlflow_wire import (
    IS_PROMPT_TAG,
    SOURCE,
    tag_dict,
    tag_list,
    version_fields,
    version_tags,
)
from gitprompts.core.prompt import PromptVersion
from gitprompts.errors import InvalidInputError
from gitprompts.registry import Registry
from gitprompts.remote.location import get_registry

from .mlflow_import import PLACEHOLDER
from .mlflow_source import Source, _HttpError, open_source


class ExportReport(msgspec.Struct, frozen=True, kw_only=True):
    """What one export wrote to MLflow, and every prompt left out, with why."""

    schema_version: int = 1
    target: str
    exported: list[str]
    placeholders: list[str]
    refused: dict[str, str]
    aliases_set: list[str]


def export_mlflow(
    uri: str, registry: Registry | None = None, token: str | None = None
) -> ExportReport:
    """Copy every prompt of ``registry`` (default: current) to the MLflow server at ``uri``.

    >>> export_mlflow("http://127.0.0.1:5000", token="s3cret").refused   # doctest: +SKIP
    {}
    """
    return export_to(open_source(uri, token), registry or get_registry())


def export_to(target: Source, registry: Registry) -> ExportReport:
    """``export_mlflow`` to an opened target."""
    exported: list[str] = []
    placeholders: list[str] = []
    refused: dict[str, str] = {}
    aliases_set: list[str] = []
    for prompt in registry.prompts():
        name = prompt.name
        versions = registry.versions(name)
        model = _model(target, name)
        have: dict[int, str | list[dict[str, str]]] = {}
        if model is None:
            target.call(
                "POST",
                "registered-models/create",
                {
                    "name": name,
                    "description": versions[0].commit_message or "",
                    "tags": tag_list({IS_PROMPT_TAG: "true", **prompt.tags}),
                },
            )
            remote_tags: dict[str, str] = {}
            remote_aliases: dict[str, str] = {}
        else:
            remote_tags = tag_dict(model.get("tags"), f"MLflow prompt {name!r}")
            remote_aliases = {
                str(a.get("alias")): str(a.get("version"))
                for a in model.get("aliases", []) or []
                if isinstance(a, dict)
            }
            for record in target.versions(name):
                where = f"MLflow prompt {name!r}"
                fields = version_fields(tag_dict(record.get("tags"), where), where)
                have[int(str(record.get("version")))] = fields.template
        conflict = next(
            (v for v in versions if v.version in have and have[v.version] != v.template), None
        )
        if conflict is not None:
            refused[name] = f"MLflow's version {conflict.version} of {name!r} has another template"
            continue
        top = max(have, default=0)
        if top > versions[-1].version:
            refused[name] = f"MLflow has versions of {name!r} past {versions[-1].version}"
            continue
        try:
            for v in versions:
                if v.version in have or v.version <= top:
                    continue
                for gap in range(top + 1, v.version):
                    text = PLACEHOLDER.format(number=gap).replace("in MLflow", "in gitprompts")
                    _create(target, PromptVersion(name, gap, text, commit_message=text))
                    target.call(
                        "DELETE", "model-versions/delete", {"name": name, "version": str(gap)}
                    )
                    placeholders.append(f"prompts:/{name}/{gap}")
                _create(target, v)
                exported.append(v.uri)
                top = v.version
        except InvalidInputError as exc:
            refused[name] = str(exc)
            continue
        for key, value in prompt.tags.items():
            if remote_tags.get(key) != value:
                target.call(
                    "POST", "registered-models/set-tag", {"name": name, "key": key, "value": value}
                )
        for alias, number in prompt.aliases.items():
            if remote_aliases.get(alias) != str(number):
                target.call(
                    "POST",
                    "registered-models/alias",
                    {"name": name, "alias": alias, "version": str(number)},
                )
                aliases_set.append(f"prompts:/{name}@{alias}")
    return ExportReport(
        target=target.uri,
        exported=exported,
        placeholders=placeholders,
        refused=refused,
        aliases_set=aliases_set,
    )


def _model(target: Source, name: str) -> dict[str, Any] | None:
    try:
        answer = target.call("GET", "registered-models/get", {"name": name})
    except _HttpError as exc:
        if exc.status == 404:
            return None
        raise
    model = answer.get("registered_model")
    return model if isinstance(model, dict) else None


def _create(target: Source, pv: PromptVersion) -> None:
    answer = target.call(
        "POST",
        "model-versions/create",
        {
            "name": pv.name,
            "source": SOURCE,
            "description": pv.commit_message or "",
            "tags": tag_list(version_tags(pv)),
        },
    )
    got = (answer.get("model_version") or {}).get("version")
    if str(got) != str(pv.version):
        raise InvalidInputError(
            f"MLflow numbered {pv.name!r} version {pv.version} as {got!r} (a version was made "
            "there "
            "meanwhile, or it reuses deleted numbers): numbers would no longer match"
        )


__all__ = ["ExportReport", "export_mlflow", "export_to"]
