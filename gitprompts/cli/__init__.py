"""The ``gitprompts`` command line (click), a thin layer over the public API.

Commands live in modules of this package and are imported only when run
(``LAZY_COMMANDS``), so ``gitprompts --help`` stays fast and never imports
pygit2. A command parses its arguments, calls one API function and formats
the result; a ``GitPromptsError`` becomes one line on stderr and exit code 1.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

# name -> "module:attribute" of a click command or group; imported on demand.
LAZY_COMMANDS: dict[str, str] = {}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when listed or invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module, _, attr = LAZY_COMMANDS[cmd_name].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attr)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
@click.version_option(package_name="gitprompts")
def main() -> None:
    """gitprompts: a prompt registry in a git repository."""


def run(*args: Any) -> None:  # pragma: no cover - thin wrapper for python -m
    main(*args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
