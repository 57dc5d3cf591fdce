"""``gitprompts diff``: a unified diff between two prompt versions, coloured on a terminal."""

from __future__ import annotations

from typing import Any

import click

import gitprompts
from gitprompts.core.diff import UnifiedRow, unified_text, version_rows
from gitprompts.errors import InvalidInputError

from ._common import command, complete_uri, emit_json, for_terminal, json_option


@command("diff")
@click.argument(
    "refs", nargs=-1, required=True, metavar="NAME [A B] | URI_A URI_B", shell_complete=complete_uri
)
@click.option(
    "-U",
    "--unified",
    "context",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Lines of context.",
)
@click.option("--color/--no-color", default=None, help="Colour the diff [default: on a terminal].")
@json_option
def diff(refs: tuple[str, ...], context: int, color: bool | None, as_json: bool) -> None:
    """Two versions (numbers or aliases) of NAME, two URIs, or NAME's last two versions.

    \b
      gitprompts diff summarize 1 2
      gitprompts diff summarize production staging
      gitprompts diff summarize@production summarize@staging
      gitprompts diff summarize          (the previous version against the latest)
    """

    old_uri, new_uri = _pair(refs)
    old = gitprompts.load_prompt(old_uri)
    new = gitprompts.load_prompt(new_uri)
    assert old is not None and new is not None
    rows = version_rows(old, new, context)
    if as_json:
        text = unified_text(rows)
        emit_json({"a": old.uri, "b": new.uri, "identical": not text, "diff": text})
        return
    for row in rows:
        click.echo(_style(row), nl=False, color=color)


def _pair(refs: tuple[str, ...]) -> tuple[str, str]:

    if len(refs) == 3:
        name, a, b = refs
        return _spec(name, a), _spec(name, b)
    if len(refs) == 2:
        return refs
    if len(refs) == 1:
        name = refs[0]
        versions = gitprompts.get_registry().versions(name)
        if len(versions) < 2:
            raise InvalidInputError(
                f"prompt {name!r} has only version {versions[-1].version}: "
                "nothing to compare it with (give two versions)"
            )
        return versions[-2].uri, versions[-1].uri
    raise click.UsageError("expected NAME, NAME A B (versions or aliases), or two URIs")


def _spec(name: str, spec: str) -> str:
    return f"{name}/{spec}" if spec.isdigit() else f"{name}@{spec}"


# How a terminal shows each kind of row (context lines and notes stay plain).
_STYLES: dict[str, dict[str, Any]] = {
    "file": {"bold": True},
    "hunk": {"fg": "cyan"},
    "add": {"fg": "green"},
    "del": {"fg": "red"},
}


def _style(row: UnifiedRow) -> str:
    line = for_terminal(row.line)
    style = _STYLES.get(row.kind)
    return click.style(line, **style) if style is not None else line
