"""``gitprompts alias set|remove|list`` (``rm`` is ``remove``): movable names of versions."""

from __future__ import annotations

import click

import gitprompts
from gitprompts.core.uri import alias_uri, version_uri

from ._common import complete_alias, complete_name, emit_json, group, json_option, table


@group("alias")
def alias() -> None:
    """Every move is a commit in the registry: who moved it, when, from which version."""


@alias.command("set")
@click.argument("name", metavar="NAME[@ALIAS]", shell_complete=complete_name)
@click.argument("rest", metavar="[ALIAS] VERSION", nargs=-1, shell_complete=complete_alias)
def set_alias(name: str, rest: tuple[str, ...]) -> None:
    """Point NAME@ALIAS at VERSION: `alias set greet production 2` or `greet@production 2`."""

    name, alias_name, (version,) = _split(name, rest, after=1)
    gitprompts.set_prompt_alias(name, alias_name, version)
    click.echo(f"{alias_uri(name, alias_name)} -> {version_uri(name, int(version))}")


@alias.command("remove")
@click.argument("name", metavar="NAME[@ALIAS]", shell_complete=complete_name)
@click.argument("rest", metavar="[ALIAS]", nargs=-1, shell_complete=complete_alias)
def remove_alias(name: str, rest: tuple[str, ...]) -> None:
    """Remove NAME@ALIAS (`rm` works too): `alias remove greet production` or `greet@production`."""

    name, alias_name, _ = _split(name, rest, after=0)
    gitprompts.delete_prompt_alias(name, alias_name)
    click.echo(f"Removed {alias_uri(name, alias_name)}")


def _split(name: str, rest: tuple[str, ...], *, after: int) -> tuple[str, str, tuple[str, ...]]:
    """``NAME ALIAS ...`` or ``NAME@ALIAS ...`` (``after`` arguments follow) as (name, alias, rest).

    >>> _split("greet@production", ("2",), after=1)
    ('greet', 'production', ('2',))
    >>> _split("greet", ("production", "2"), after=1)
    ('greet', 'production', ('2',))
    """
    if len(rest) == after + 1:
        return name, rest[0], rest[1:]
    base, at, alias_name = name.partition("@")
    if at and len(rest) == after:
        return base, alias_name, rest
    what = "NAME ALIAS" + " VERSION" * after
    short = "NAME@ALIAS" + " VERSION" * after
    raise click.UsageError(f"expected {what} or {short}, got {' '.join([name, *rest])!r}")


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
