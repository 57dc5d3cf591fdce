"""``gitprompts demo``: the guided tour in ``gitprompts.demo``."""

from __future__ import annotations

import click

from ._common import Options, command


@command("demo")
@click.option(
    "--home",
    metavar="DIR",
    help="Run in this gitprompts home instead of the current one (e.g. a temporary directory).",
)
def demo(home: str | None) -> None:
    """Registers, diffs, aliases and loads a prompt, and logs a model that pins it.

    Runs on the embedded default registry (or the one --home/--registry name);
    every run adds new versions of demo-summarize, so it can be run again.
    """
    from gitprompts import demo as story

    if home is not None:
        Options(home=home).apply()  # as the global --home does
    story.run(click.echo)
