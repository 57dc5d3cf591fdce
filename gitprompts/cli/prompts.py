"""Reading and managing prompts.

``init``, ``show``, ``list``, ``log``, ``render`` and ``delete-version``.
"""

from __future__ import annotations

import os

import click

import gitprompts
from gitprompts import config
from gitprompts.core.times import local_minute
from gitprompts.core.uri import parse_version

from ._common import (
    author_name,
    command,
    complete_name,
    complete_uri,
    emit_json,
    for_terminal,
    json_option,
    json_text,
    key_values,
    prompt_json,
    table,
    version_json,
    write_exact,
)


@command("init")
@click.argument("path", required=False, type=click.Path(file_okay=False))
@json_option
@click.pass_context
def init(ctx: click.Context, path: str | None, as_json: bool) -> None:
    """At PATH, or where --registry/--home point when PATH is not given.

    Creating a registry that already exists is not an error.
    """

    location = path if path is not None else config.registry_location()
    existed = os.path.exists(os.path.join(location, "HEAD"))
    registry = gitprompts.get_registry(location, create=True)
    if as_json:
        emit_json({"path": str(registry.path), "created": not existed})
    else:
        what = "Existing" if existed else "Initialized empty"
        click.echo(f"{what} gitprompts registry in {registry.path}")


@command("show")
@click.argument("uri", shell_complete=complete_uri)
@click.option("--raw", is_flag=True, help="Print the template alone, byte for byte.")
@json_option
def show(uri: str, raw: bool, as_json: bool) -> None:
    """URI is NAME/N, NAME@ALIAS or NAME (the latest version).

    A chat prompt's --raw output is its messages as JSON.
    """

    version = gitprompts.load_prompt(uri)
    assert version is not None
    if as_json:
        emit_json(version_json(version))
        return
    if raw:
        write_exact(_raw(version.template))
        return
    created = local_minute(version.creation_timestamp) or "-"
    rows = [
        ("type", version.prompt_type),
        ("created", f"{created} by {version.user_id or '-'}"),
        ("message", version.commit_message or "-"),
        ("aliases", ", ".join(version.aliases) or "-"),
        ("tags", ", ".join(f"{k}={v}" for k, v in sorted(version.tags.items())) or "-"),
        ("variables", ", ".join(sorted(version.variables)) or "-"),
    ]
    if version.model_config is not None:
        rows.append(("model_config", _compact(version.model_config)))
    if version.response_format is not None:
        rows.append(("response_format", _compact(version.response_format)))
    rows.append(("commit", version.commit_id or "-"))
    click.secho(version.uri, bold=True)
    width = max(len(key) for key, _ in rows) + 2
    for key, value in rows:
        click.echo(f"{key + ':':<{width}}{for_terminal(value)}")
    click.echo()
    if isinstance(version.template, str):
        click.echo(for_terminal(version.template), nl=not version.template.endswith("\n"))
    else:
        for message in version.template:
            click.secho(f"[{for_terminal(message['role'])}]", bold=True)
            click.echo(for_terminal(message["content"]))


def _raw(template: str | list[dict[str, str]]) -> str:
    return template if isinstance(template, str) else json_text(template)


def _compact(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@command("list")
@click.option(
    "--filter",
    "filter_string",
    metavar="FILTER",
    help="""MLflow-style filter, e.g. "name LIKE 'summ%' AND tags.team = 'nlp'".""",
)
@click.option("--max", "max_results", type=click.IntRange(min=1), help="Show at most N prompts.")
@json_option
def list_prompts(filter_string: str | None, max_results: int | None, as_json: bool) -> None:
    """Each row also says when the prompt last changed."""

    found = gitprompts.search_prompts(filter_string, max_results)
    if as_json:
        emit_json([prompt_json(p) for p in found])
        return
    if not found:
        click.echo("No prompts." if filter_string is None else "No prompts match.", err=True)
        return
    rows = [
        [
            p.name,
            str(p.latest_version),
            ", ".join(f"{a}={v}" for a, v in p.aliases.items()) or "-",
            local_minute(p.creation_timestamp) or "-",
        ]
        for p in found
    ]
    click.echo(table(rows, ["NAME", "LATEST", "ALIASES", "UPDATED"]))


@command("log")
@click.argument("name", shell_complete=complete_name)
@click.option("-n", "--limit", type=click.IntRange(min=1), help="Show only the newest N versions.")
@json_option
def log(name: str, limit: int | None, as_json: bool) -> None:
    """Each with its date, author, aliases and the first line of its message."""

    versions = list(reversed(gitprompts.get_registry().versions(name)))[:limit]
    if as_json:
        emit_json([version_json(v, template=False) for v in versions])
        return
    rows = [
        [
            str(v.version),
            local_minute(v.creation_timestamp) or "-",
            author_name(v.user_id),
            ", ".join(v.aliases) or "-",
            (v.commit_message or "").splitlines()[0] if v.commit_message else "-",
        ]
        for v in versions
    ]
    click.echo(table(rows, ["VERSION", "DATE", "AUTHOR", "ALIASES", "MESSAGE"]))


@command("render")
@click.argument("uri", shell_complete=complete_uri)
@click.option(
    "-v",
    "--var",
    "pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="A variable's value (repeatable).",
)
@click.option("--partial", is_flag=True, help="Leave variables without a value in place.")
@json_option
def render(uri: str, pairs: tuple[str, ...], partial: bool, as_json: bool) -> None:
    """Prints URI's template with each -v KEY=VALUE filled in.

    A variable without a value is an error unless --partial is given. A chat
    prompt is printed as JSON messages.
    """
    from gitprompts.core.prompt import PromptVersion

    values = key_values(pairs, "--var")
    version = gitprompts.load_prompt(uri)
    assert version is not None
    filled = version.format(allow_partial=partial, **values)
    result = filled.template if isinstance(filled, PromptVersion) else filled
    if as_json:
        missing = sorted(version.variables - values.keys())
        emit_json({"uri": version.uri, "result": result, "missing": missing})
    else:
        write_exact(_raw(result))


@command("delete-version")
@click.argument("name", shell_complete=complete_name)
@click.argument("version")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_version(name: str, version: str, yes: bool) -> None:
    """VERSION of NAME no longer loads, and its number is never reused."""

    existing = gitprompts.load_prompt(name, version=_version_number(version))
    assert existing is not None
    if not yes:
        click.confirm(f"Delete {existing.uri}?", abort=True, err=True)
    gitprompts.delete_prompt_version(name, existing.version)
    click.echo(f"Deleted {existing.uri}")


def _version_number(text: str) -> int:

    return parse_version(text)
