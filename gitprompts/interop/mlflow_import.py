"""``gitprompts import mlflow URI``: every prompt of an MLflow registry into this one.

Version N in MLflow becomes version N here, so ``prompts:/name/N`` means the
same text on both sides: a number MLflow deleted before the import is kept
taken (a placeholder version, deleted at once, says so in its message). Each
version keeps its template (text or chat), commit message, tags,
``model_config`` and ``response_format``, and its creation time (the version
tag's date, to the second); the prompt gets MLflow's prompt-level tags and
every alias.

Re-running is safe and cheap: a number this registry already has is compared
(same template: nothing to do; another one: the prompt is reported as a
conflict and left alone), so a second run writes nothing and a run after new
MLflow versions appeared writes exactly those. Nothing marks a version as
imported: its number and template are the link. Names MLflow allows and
gitprompts refuses (``.hidden``, ``a..b``, ``x.lock``, over 248 bytes) are
reported, never renamed.

>>> report = import_mlflow("http://127.0.0.1:5000")   # doctest: +SKIP
>>> report.imported[:2]                                # doctest: +SKIP
['prompts:/greet/1', 'prompts:/greet/2']
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from gitprompts.core.fields import prompt_file
from gitprompts.core.mlflow_wire import IS_PROMPT_TAG, LINKED_PROMPTS_TAG, tag_dict, version_fields
from gitprompts.core.uri import MAX_VERSION, validate_name
from gitprompts.errors import GitPromptsError, InvalidInputError, MLflowServerError, NotFoundError
from gitprompts.registry import Registry
from gitprompts.remote.location import get_registry

from .mlflow_source import Source, open_source

PLACEHOLDER = "(version {number} was deleted in MLflow before the import; its number stays taken)"


class ImportReport(msgspec.Struct, frozen=True, kw_only=True):
    """What one import did: version URIs written, and every prompt left out, with why."""

    schema_version: int = 1
    source: str
    imported: list[str]
    placeholders: list[str]
    refused: dict[str, str]  # name -> why (a name gitprompts refuses, a conflict, bad data)
    aliases_set: list[str]
    tags_set: list[str]
    links: list[str]


class _Report:
    def __init__(self) -> None:
        self.imported: list[str] = []
        self.placeholders: list[str] = []
        self.refused: dict[str, str] = {}
        self.aliases_set: list[str] = []
        self.tags_set: list[str] = []
        self.links: list[str] = []


class _Version(msgspec.Struct, frozen=True, kw_only=True):
    number: int
    template: str | list[dict[str, str]]
    tags: dict[str, str]
    model_config: dict[str, Any] | None
    response_format: dict[str, Any] | None
    description: str
    created: int | None


def _number(value: object, where: str) -> int:
    text = str(value)
    if not text.isdigit() or not 1 <= int(text) <= MAX_VERSION:
        raise InvalidInputError(
            f"{where}: version {text[:40]!r} is not a number from 1 to {MAX_VERSION}"
        )
    return int(text)


def _version(record: dict[str, Any], name: str) -> _Version:
    number = _number(record.get("version"), f"prompt {name!r}")
    where = f"prompt {name!r} version {number}"
    fields = version_fields(tag_dict(record.get("tags"), where), where)
    created = record.get("creation_timestamp")
    description = record.get("description") or ""
    if not isinstance(description, str):
        raise InvalidInputError(f"{where}: description is not a string")
    # Every check register() makes, before anything of the prompt is written.
    try:
        prompt_file(
            fields.template,
            description or None,
            fields.tags,
            fields.response_format,
            fields.model_config,
        )
    except InvalidInputError as exc:
        raise InvalidInputError(f"{where}: {exc}") from None
    return _Version(
        number=number,
        template=fields.template,
        tags=fields.tags,
        model_config=fields.model_config,
        response_format=fields.response_format,
        description=description,
        created=int(created)
        if isinstance(created, (int, str)) and str(created).isdigit()
        else None,
    )


def _aliases(record: dict[str, Any], name: str) -> dict[str, int]:
    raw = record.get("aliases") or []
    if not isinstance(raw, list):
        raise InvalidInputError(f"prompt {name!r}: aliases must be a list")
    found: dict[str, int] = {}
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("alias"), str):
            raise InvalidInputError(
                f"prompt {name!r}: alias {item!r:.100} is not {{alias, version}}"
            )
        found[item["alias"]] = _number(
            item.get("version"), f"prompt {name!r} alias {item['alias']!r}"
        )
    return found


def import_mlflow(
    uri: str, registry: Registry | None = None, token: str | None = None
) -> ImportReport:
    """Copy every prompt at the MLflow tracking URI ``uri`` into ``registry`` (default: current).

    >>> import_mlflow("http://127.0.0.1:5000").imported   # doctest: +SKIP
    ['prompts:/greet/1']
    """
    return import_from(open_source(uri, token), registry or get_registry())


def import_from(source: Source, registry: Registry) -> ImportReport:
    """``import_mlflow`` from an opened source (tests and benchmarks pass their own)."""
    report = _Report()
    every_version = source.all_versions()
    for record in source.prompts():
        name = record.get("name")
        if not isinstance(name, str):
            raise MLflowServerError(source.uri, f"a prompt without a name: {record!r:.200}")
        try:
            validate_name(name)
            _import_prompt(source, registry, name, record, every_version.get(name, []), report)
        except InvalidInputError as exc:
            report.refused[name] = str(exc)
    _import_links(source, registry, report)
    return ImportReport(
        source=source.uri,
        imported=report.imported,
        placeholders=report.placeholders,
        refused=report.refused,
        aliases_set=report.aliases_set,
        tags_set=report.tags_set,
        links=report.links,
    )


def _import_prompt(
    source: Source,
    registry: Registry,
    name: str,
    record: dict[str, Any],
    found: list[dict[str, Any]],
    report: _Report,
) -> None:
    prompt_tags = tag_dict(record.get("tags"), f"prompt {name!r}")
    prompt_tags.pop(IS_PROMPT_TAG, None)
    aliases = _aliases(record, name)
    versions = sorted((_version(v, name) for v in found), key=lambda v: v.number)
    if not versions:
        report.refused[name] = f"prompt {name!r} has no version in MLflow: nothing to import"
        return
    # Check everything this registry already has before writing anything.
    top = registry.top_version(name)
    for v in versions:
        if v.number > top:
            break
        try:
            have = registry.get(name, v.number)
        except NotFoundError:
            continue  # deleted here since the import: stays deleted
        if have.template != v.template:
            report.refused[name] = (
                f"version {v.number} of prompt {name!r} here is not MLflow's (another template): "
                "import it under another name in MLflow first, or delete the prompt here"
            )
            return
    before = registry.prompt_tags(name) if registry.latest_version(name) else {}
    for v in versions:
        if v.number <= top:
            continue
        for gap in range(top + 1, v.number):
            text = PLACEHOLDER.format(number=gap)
            registry.register(name, text, text, {})
            registry.delete_version(name, gap)
            report.placeholders.append(f"prompts:/{name}/{gap}")
        written = registry.register(
            name,
            v.template,
            v.description or None,
            v.tags,
            v.response_format,
            v.model_config,
            created=v.created,
        )
        if written.version != v.number:  # another writer got in between
            raise MLflowServerError(
                source.uri,
                f"{name}: wrote version {written.version} for MLflow's {v.number}: retry",
            )
        report.imported.append(written.uri)
        top = v.number
    # The prompt's own tags are MLflow's: register() also tagged the prompt with
    # each version's tags, which MLflow does not do for a version made by hand.
    current = registry.prompt_tags(name)
    for key, value in prompt_tags.items():
        if current.get(key) != value:
            registry.set_prompt_tag(name, key, value)
            report.tags_set.append(f"{name}:{key}")
    for key in current:
        if key not in prompt_tags and key not in before:
            registry.delete_prompt_tag(name, key)
    have_aliases = registry.aliases(name)
    for alias, number in sorted(aliases.items()):
        if have_aliases.get(alias) != number:
            registry.set_alias(name, alias, number)
            report.aliases_set.append(f"prompts:/{name}@{alias}")


def _import_links(source: Source, registry: Registry, report: _Report) -> None:
    """MLflow's prompt -> logged model links, as notes naming ``models:/<MLflow model id>``."""
    for model_id, linked in _linked_models(source):
        for name, number in linked:
            try:
                pv = registry.get(name, number)
            except (NotFoundError, InvalidInputError):
                continue
            model_uri = f"models:/{model_id}"
            if model_uri in registry.linked_models(name, number).get(number, []):
                continue
            assert pv.commit_id is not None
            registry.link_model([pv.commit_id], model_uri)
            report.links.append(f"{pv.uri} -> {model_uri}")


def _linked_models(source: Source) -> list[tuple[str, list[tuple[str, int]]]]:
    """``(model id, [(prompt, version)])`` for every MLflow logged model that links prompts."""
    try:
        experiments = source.call("POST", "experiments/search", {"max_results": 1000}).get(
            "experiments", []
        )
    except MLflowServerError:
        return []  # a store or server without experiments: no links to bring
    ids = [e.get("experiment_id") for e in experiments if isinstance(e, dict)]
    ids = [i for i in ids if isinstance(i, str)]
    found: list[tuple[str, list[tuple[str, int]]]] = []
    if not ids:
        return found
    token = ""
    for _ in range(10_000):
        body: dict[str, Any] = {"experiment_ids": ids, "max_results": 100}
        if token:
            body["page_token"] = token
        page = source.call("POST", "logged-models/search", body)
        for model in page.get("models", []) or []:
            info = model.get("info", {}) if isinstance(model, dict) else {}
            model_id = info.get("model_id")
            try:
                tags = tag_dict(info.get("tags"), f"logged model {model_id!r}")
            except GitPromptsError:
                continue
            text = tags.get(LINKED_PROMPTS_TAG)
            if not isinstance(model_id, str) or not text:
                continue
            try:
                entries = json.loads(text)
            except ValueError:
                continue
            pairs = [
                (e["name"], int(e["version"]))
                for e in entries
                if isinstance(e, dict)
                and isinstance(e.get("name"), str)
                and str(e.get("version", "")).isdigit()
            ]
            found.append((model_id, pairs))
        token = page.get("next_page_token") or ""
        if not token:
            break
    return found


__all__ = ["ImportReport", "import_from", "import_mlflow"]
