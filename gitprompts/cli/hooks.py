"""``gitprompts hooks install``: the server-side and pre-commit checks."""

from __future__ import annotations

import click

from ._common import group


@group("hooks")
def hooks() -> None:
    """Git hooks that keep a registry valid (see hooks/ in the source)."""


@hooks.command("install")
@click.argument("repo", default=".", required=False)
@click.option(
    "--hook",
    "names",
    multiple=True,
    type=click.Choice(["pre-receive", "pre-commit"]),
    help="Which hook (default: pre-receive in a bare repo, pre-commit otherwise).",
)
def install(repo: str, names: tuple[str, ...]) -> None:
    """Install the hooks into REPO; an existing foreign hook is kept as NAME.legacy."""
    from gitprompts import hooks as hook_module

    for path in hook_module.install(repo, list(names) or None):
        click.echo(f"Installed {path}")
