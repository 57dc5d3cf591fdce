"""``gitprompts alias set|rm|list``: the movable names of prompt versions."""

from __future__ import annotations

import click

import gitprompts
from gitprompts.core.uri import alias_uri, version_uri

from ._common import complete_alias, complete_name, emit_json, group, json_option, table


@group("alias")
def alias() -> None:
    """Every move is a commit in the registry: who moved it, when, from which version."""


@alias.command("set")
@click.argument("name", shell_complete=complete_name)
@click.argument("alias_name", metavar="ALIAS", shell_complete=complete_alias)
@click.argument("version")
def set_alias(name: str, alias_name: str, version: str) -> None:
    """Point NAME@ALIAS at VERSION."""

    gitprompts.set_prompt_alias(name, alias_name, version)
    click.echo(f"{alias_uri(name, alias_name)} -> {version_uri(name, int(version))}")


@alias.command("rm")
@click.argument("name", shell_complete=complete_name)
@click.argument("alias_name", metavar="ALIAS", shell_complete=complete_alias)
def remove_alias(name: str, alias_name: str) -> None:
    """Remove NAME@ALIAS."""

    gitprompts.delete_prompt_alias(name, alias_name)
    click.echo(f"Removed {alias_uri(name, alias_name)}")


@alias.command("list")
@click.argument("name", required=False, shell_complete=complete_name)
@json_option
def list_aliases(name: str | None, as_json: bool) -> None:
    """List the aliases of NAME (of every prompt without NAME)."""

    if name is not None:
        pairs = [(name, a, v) for a, v in gitprompts.get_registry().aliases(name).items()]
    else:
        pairs = [(p.name, a, v) for p in gitprompts.search_prompts() for a, v in p.aliases.items()]
    if as_json:
        emit_json(
            [{"name": n, "alias": a, "version": v, "uri": version_uri(n, v)} for n, a, v in pairs]
        )
        return
    if not pairs:
        click.echo("No aliases.", err=True)
        return
    click.echo(table([[n, a, str(v)] for n, a, v in pairs], ["NAME", "ALIAS", "VERSION"]))
