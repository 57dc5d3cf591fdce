"""``gitprompts clone|remote|push|pull``: sharing a registry through any git remote."""

from __future__ import annotations

from types import ModuleType

import click

from ._common import command, emit_json, group, json_option, table


def _sync() -> ModuleType:
    # Imported when a command runs, so `gitprompts --help` does not load pygit2.
    from gitprompts import sync

    return sync


def _shown(url: str) -> str:
    # A token embedded in a URL (user:token@host) is never printed.
    from gitprompts.core.urls import without_password

    return without_password(url)


@command("clone")
@click.argument("url")
@click.argument("path", required=False)
def clone(url: str, path: str | None) -> None:
    """The registry at URL goes into a new bare repository PATH (default: NAME.git)."""
    registry = _sync().clone(url, path)
    click.echo(f"Cloned {_shown(url)} into {registry.path}")


@group("remote")
def remote() -> None:
    """The registry's git remotes, which push and pull talk to."""


@remote.command("add")
@click.argument("name")
@click.argument("url")
def remote_add(name: str, url: str) -> None:
    """Add remote NAME at URL (path, file://, ssh:// or http(s)://)."""
    _sync().add_remote(name, url)
    click.echo(f"Added remote {name}")


@remote.command("list")
@json_option
def remote_list(as_json: bool) -> None:
    """List the remotes with their URLs."""
    found = {name: _shown(url) for name, url in _sync().remotes().items()}
    if as_json:
        emit_json([{"name": n, "url": u} for n, u in found.items()])
    elif not found:
        click.echo("No remotes.", err=True)
    else:
        click.echo(table([[n, u] for n, u in found.items()], ["NAME", "URL"]))


@remote.command("remove")
@click.argument("name")
def remote_remove(name: str) -> None:
    """Remove remote NAME (the registry's prompts are untouched)."""
    _sync().remove_remote(name)
    click.echo(f"Removed remote {name}")


@command("push")
@click.argument("remote_name", metavar="[REMOTE]", required=False)
@json_option
def push(remote_name: str | None, as_json: bool) -> None:
    """To REMOTE (default: origin, or the only remote); every ref moves, or none does."""
    result = _sync().push(remote_name)
    if as_json:
        emit_json({"remote": result.remote, "refs": result.refs})
    elif result.up_to_date:
        click.echo(f"Everything up to date with {result.remote}.")
    else:
        click.echo(f"Pushed to {result.remote}: {', '.join(result.refs)}")


@command("pull")
@click.argument("remote_name", metavar="[REMOTE]", required=False)
@json_option
def pull(remote_name: str | None, as_json: bool) -> None:
    """From REMOTE (default: origin, or the only remote).

    A local version never pushed whose number REMOTE has taken is renumbered
    after REMOTE's newest.
    """
    result = _sync().pull(remote_name)
    if as_json:
        emit_json(
            {
                "remote": result.remote,
                "fetched": result.fetched,
                "renumbered": result.renumbered,
                "conflicts": result.conflicts,
                "fast_forward": result.fast_forward,
            }
        )
        return
    if result.up_to_date:
        click.echo(f"Already up to date with {result.remote}.")
        return
    for uri in result.fetched:
        click.echo(f"{'new':<11} {uri}")
    for old, new in result.renumbered.items():
        click.echo(f"{'renumbered':<11} {old} -> {new} (it was not published yet)")
    for line in result.conflicts:
        click.echo(f"alias conflict: {line}", err=True)
