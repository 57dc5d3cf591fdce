"""``gitprompts tag``, ``model-config``, ``delete``: what changes about a prompt later.

Each is one commit to ``state/<name>.json``; version files never change.
"""

from __future__ import annotations

import json

import click

import gitprompts
from gitprompts.errors import InvalidInputError

from ._common import command, complete_name, emit_json, group, json_option, table


@group("tag")
def tag() -> None:
    """Prompt-level tags: what ``list --filter "tags.K = 'V'"`` matches."""


@tag.command("set")
@click.argument("name", shell_complete=complete_name)
@click.argument("key")
@click.argument("value")
def set_tag(name: str, key: str, value: str) -> None:
    """Set tag KEY of prompt NAME to VALUE."""

    gitprompts.set_prompt_tag(name, key, value)
    click.echo(f"{name}: {key}={value}")


@tag.command("remove")
@click.argument("name", shell_complete=complete_name)
@click.argument("key")
def remove_tag(name: str, key: str) -> None:
    """Remove tag KEY from prompt NAME (also: tag rm)."""

    gitprompts.delete_prompt_tag(name, key)
    click.echo(f"{name}: removed {key}")


tag.add_command(remove_tag, "rm")


@tag.command("list")
@click.argument("name", shell_complete=complete_name)
@json_option
def list_tags(name: str, as_json: bool) -> None:
    """List the tags of prompt NAME."""

    tags = gitprompts.get_prompt_tags(name)
    if as_json:
        emit_json(tags)
        return
    if not tags:
        click.echo(f"No tags on {name}.", err=True)
        return
    click.echo(table([[k, v] for k, v in sorted(tags.items())], ["KEY", "VALUE"]))


@group("model-config")
def model_config() -> None:
    """Change the model config a version loads with; its file stays as registered."""


@model_config.command("set")
@click.argument("name", shell_complete=complete_name)
@click.argument("version")
@click.argument("config", metavar="JSON")
def set_config(name: str, version: str, config: str) -> None:
    """Version VERSION of NAME loads with model config JSON (an object)."""

    try:
        value = json.loads(config)
    except ValueError as exc:
        raise InvalidInputError(
            f"model config {config!r} is not JSON ({exc}); give an object such as "
            "'{\"temperature\": 0.2}'"
        ) from None
    gitprompts.set_prompt_model_config(name, version, value)
    click.echo(f"{name}/{version}: model_config {json.dumps(value, sort_keys=True)}")


@model_config.command("remove")
@click.argument("name", shell_complete=complete_name)
@click.argument("version")
def remove_config(name: str, version: str) -> None:
    """Version VERSION of NAME loads with no model config (also: model-config rm)."""

    gitprompts.delete_prompt_model_config(name, version)
    click.echo(f"{name}/{version}: model_config removed")


model_config.add_command(remove_config, "rm")


@command("delete")
@click.argument("name", shell_complete=complete_name)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(name: str, yes: bool) -> None:
    """Every version of NAME stops loading; its numbers are never reused."""

    count = len(gitprompts.get_registry().versions(name))  # raises for an unknown prompt
    if not yes:
        click.confirm(f"Delete prompt {name} and its {count} version(s)?", abort=True, err=True)
    gitprompts.delete_prompt(name)
    click.echo(f"Deleted prompt {name} ({count} version{'s' if count != 1 else ''})")
