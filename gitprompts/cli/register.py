"""``gitprompts register``: a new version from a file, an option or standard input."""

from __future__ import annotations

import json
import os
import sys
from typing import IO, Any

import click

import gitprompts
from gitprompts.core import promptfile
from gitprompts.core.uri import validate_alias, validate_name
from gitprompts.errors import InvalidInputError, PromptTooLargeError

from ._common import (
    command,
    complete_name,
    emit_json,
    json_option,
    key_values,
    stdin_is_tty,
    version_json,
)

FORMATS = ("auto", "prompt", "text", "json", "yaml")


@command("register")
@click.argument("name", shell_complete=complete_name)
@click.option(
    "-f",
    "--file",
    "source",
    type=click.File("rb"),
    help="Template file ('-' for standard input): a .prompt file with front matter, "
    "plain text, or chat messages as .json/.yaml.",
)
@click.option("-t", "--template", help="The template text itself.")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="How to read --file/stdin; auto goes by the file's extension (stdin: text).",
)
@click.option("-m", "--message", help="Commit message of the new version.")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="A tag (repeatable).")
@click.option(
    "--alias", "aliases", multiple=True, metavar="ALIAS", help="Point ALIAS at it (repeatable)."
)
@click.option(
    "--model-config", metavar="JSON|FILE", help="Model config as JSON or a .json/.yaml file."
)
@click.option(
    "--response-format", metavar="JSON|FILE", help="Response format as JSON or a .json/.yaml file."
)
@json_option
def register(
    name: str,
    source: IO[bytes] | None,
    template: str | None,
    file_format: str,
    message: str | None,
    tags: tuple[str, ...],
    aliases: tuple[str, ...],
    model_config: str | None,
    response_format: str | None,
    as_json: bool,
) -> None:
    """Prints the URI of NAME's new version.

    The template comes from --file, --template, or standard input. Metadata
    in a .prompt file's front matter is used unless an option overrides it
    (tags are merged, options winning).

    \b
      gitprompts register greet -t 'Hello {{ name }}!' -m 'first draft'
      gitprompts register summarize -f summarize.prompt --alias staging
      gitprompts show greet/1 --raw | gitprompts register greet-copy -f -
    """

    validate_name(name)
    for alias in aliases:
        validate_alias(alias)
    tag_values = key_values(tags, "--tag")
    if source is not None and template is not None:
        raise click.UsageError("give the template with --file or --template, not both")
    meta: dict[str, Any] = {}
    if template is not None:
        body: str | list[dict[str, str]] = template
    else:
        if source is None:
            if stdin_is_tty():
                raise click.UsageError(
                    "no template: give --file FILE, --template TEXT, or pipe it on standard input"
                )
            source = sys.stdin.buffer
            body, meta = read_template(source, file_format)
            if not body:
                raise click.UsageError(
                    "standard input was empty: give the template with --file, --template "
                    "or on standard input"
                )
        else:
            body, meta = read_template(source, file_format)
    config = _mapping(model_config, "--model-config") if model_config else meta.get("model_config")
    fmt = (
        _mapping(response_format, "--response-format")
        if response_format
        else meta.get("response_format")
    )
    version = gitprompts.register_prompt(
        name,
        body,
        commit_message=message if message is not None else meta.get("commit_message"),
        tags={**meta.get("tags", {}), **tag_values},
        response_format=fmt,
        model_config=config,
    )
    for alias in aliases:
        gitprompts.set_prompt_alias(name, alias, version.version)
    if aliases:
        reloaded = gitprompts.load_prompt(version.uri)
        assert reloaded is not None
        version = reloaded
    if as_json:
        emit_json(version_json(version))
    else:
        click.echo(version.uri)


def read_template(
    source: IO[bytes], file_format: str
) -> tuple[str | list[dict[str, str]], dict[str, Any]]:
    """The template in ``source`` and, for a .prompt file, its metadata."""

    label = _label(source)
    # Bounded like every reader of prompt files: a template larger than a prompt
    # file may be could not be registered anyway.
    limit = promptfile.max_bytes()
    data = source.read(limit + 1)
    if len(data) > limit:
        raise PromptTooLargeError(len(data), limit)
    if file_format == "auto":
        file_format = _format_of(label)
    if file_format == "prompt":
        parsed = promptfile.decode(data, label)
        meta: dict[str, Any] = {"tags": dict(parsed.tags)}
        for key in ("commit_message", "model_config", "response_format"):
            if getattr(parsed, key) is not None:
                meta[key] = getattr(parsed, key)
        return parsed.template, meta
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"cannot read {label}: not UTF-8 text ({exc.reason})") from None
    if file_format == "text":
        return text, {}
    loaded = _load_structured(text, file_format, label)
    if isinstance(loaded, dict) and "messages" in loaded:
        loaded = loaded["messages"]
    if isinstance(loaded, (str, list)):
        return loaded, {}
    raise InvalidInputError(
        f"cannot read {label}: expected a list of {{role, content}} messages, "
        f"{{'messages': [...]}} or a string, not {type(loaded).__name__}"
    )


def _label(source: IO[bytes]) -> str:
    name = getattr(source, "name", "-")
    return "<stdin>" if name in ("-", "<stdin>", 0) or not isinstance(name, str) else name


def _format_of(label: str) -> str:
    extension = os.path.splitext(label)[1].lower()
    return {".prompt": "prompt", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}.get(
        extension, "text"
    )


def _load_structured(text: str, file_format: str, label: str) -> Any:

    if file_format == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"cannot read {label}: invalid JSON ({exc})") from None
    import yaml

    try:
        return promptfile.load_yaml(text.encode("utf-8"), label)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise InvalidInputError(f"cannot read {label}: invalid YAML{at}") from None


def _mapping(value: str, option: str) -> dict[str, Any]:
    """``--model-config '{"temperature": 0.2}'`` or ``--model-config config.yaml``."""

    if value.lstrip().startswith("{"):
        label, text, kind = f"{option} value", value, "json"
    elif os.path.isfile(value):
        with open(value, encoding="utf-8") as handle:
            text = handle.read()
        label, kind = value, ("json" if value.endswith(".json") else "yaml")
    else:
        raise InvalidInputError(
            f"{option} {value!r} is neither a JSON object nor an existing file "
            "(give '{\"key\": ...}' or a .json/.yaml file)"
        )
    loaded = _load_structured(text, kind, label)
    if not isinstance(loaded, dict):
        raise InvalidInputError(
            f"{option}: {label} must hold a mapping, not {type(loaded).__name__}"
        )
    return loaded
