"""``gitprompts migrate``: move a flat registry's ``main`` into the sharded layout."""

from __future__ import annotations

import click

import gitprompts

from ._common import command


@command("migrate")
def migrate() -> None:
    """One commit on main moves every prompts/NAME.prompt to prompts/H1/H2/NAME.prompt and
    every state/NAME.json to state/H1/H2/NAME.json (H1, H2: the first and second hex digit
    of sha256(NAME)). Version tags and their commits stay as they are: every version loads as
    before. A team upgrades gitprompts everywhere (it reads both layouts), then one person
    runs migrate and push; the others pull."""
    from gitprompts.registry.migration import migrate as run

    done = run(gitprompts.get_registry())
    if done.commit is None:
        click.echo("Already in the sharded layout: nothing to move.")
        return
    click.echo(f"Moved {done.moved} files into the sharded layout (commit {done.commit[:12]}).")
