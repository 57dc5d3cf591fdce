"""``gitprompts login URL``: keep a served registry's push token in git's credential helper."""

from __future__ import annotations

import os
import sys

import click

from ._common import command


@command("login")
@click.argument("url")
def login(url: str) -> None:
    """URL is a served registry (http://HOST:PORT/git/registry.git).

    The token is read from GITPROMPTS_TOKEN, else from stdin when it is not a
    terminal, else from a prompt that does not echo. It goes to git's own
    credential helper (`git credential approve`), so a plain `git push URL`
    works too; it is never printed nor written into a registry. Needs a
    helper: `git config --global credential.helper store` (or cache, ...).

    \b
    gitprompts login http://127.0.0.1:5000/git/registry.git
    """
    from gitprompts.sync import login as store_token

    token = os.environ.get("GITPROMPTS_TOKEN", "")
    if not token:
        if sys.stdin.isatty():
            token = click.prompt("Token", hide_input=True, default="", show_default=False)
        else:
            token = sys.stdin.readline().strip()
    store_token(url, token)
    click.echo(f"Stored the token for {url} with git's credential helper.")
