"""``gitprompts diff``: a unified diff between two prompt versions, coloured on a terminal."""

from __future__ import annotations

import difflib
import json
from typing import TYPE_CHECKING, Any

import click

from ._common import complete_uri, emit_json, json_option

if TYPE_CHECKING:
    from gitprompts.core.prompt import PromptVersion

NO_NEWLINE = "\\ No newline at end of file\n"


@click.command()
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
    """Show what changed between two versions of a prompt.

    \b
      gitprompts diff summarize 1 2
      gitprompts diff summarize production staging
      gitprompts diff summarize@production summarize@staging
      gitprompts diff summarize          (the previous version against the latest)
    """
    import gitprompts

    old_uri, new_uri = _pair(refs)
    old = gitprompts.load_prompt(old_uri)
    new = gitprompts.load_prompt(new_uri)
    assert old is not None and new is not None
    text = unified_diff(old, new, context)
    if as_json:
        emit_json({"a": old.uri, "b": new.uri, "identical": not text, "diff": text})
        return
    for line in text.splitlines(keepends=True):
        click.echo(_style(line), nl=False, color=color)


def _pair(refs: tuple[str, ...]) -> tuple[str, str]:
    from gitprompts.errors import InvalidInputError

    if len(refs) == 3:
        name, a, b = refs
        return _spec(name, a), _spec(name, b)
    if len(refs) == 2:
        return refs
    if len(refs) == 1:
        import gitprompts

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


def unified_diff(old: PromptVersion, new: PromptVersion, context: int = 3) -> str:
    """The template diff, then a diff of the model config and response format if they changed."""
    parts = [_diff(_lines(old.template), _lines(new.template), old.uri, new.uri, context)]
    old_meta, new_meta = _metadata(old), _metadata(new)
    if old_meta != new_meta:
        parts.append(
            _diff(old_meta, new_meta, f"{old.uri} (metadata)", f"{new.uri} (metadata)", context)
        )
    return "".join(parts)


def _diff(a: list[str], b: list[str], a_name: str, b_name: str, context: int) -> str:
    out = []
    for line in difflib.unified_diff(a, b, a_name, b_name, n=context):
        if line.endswith("\n"):
            out.append(line)
        else:  # the last line of a text without a final newline, shown as git does
            out.append(line + "\n" + NO_NEWLINE)
    return "".join(out)


def _lines(template: str | list[dict[str, str]]) -> list[str]:
    if isinstance(template, str):
        return template.splitlines(keepends=True)
    lines: list[str] = []
    for message in template:
        content = message["content"]
        lines.append(f"[{message['role']}]\n")
        lines.extend(content.splitlines(keepends=True))
        if content and not content.endswith("\n"):
            lines[-1] += "\n"
    return lines


def _metadata(version: PromptVersion) -> list[str]:
    fields: dict[str, Any] = {
        "model_config": version.model_config,
        "response_format": version.response_format,
    }
    return [
        f"{key}: {json.dumps(value, sort_keys=True, ensure_ascii=False)}\n"
        for key, value in fields.items()
        if value is not None
    ]


def _style(line: str) -> str:
    if line.startswith(("+++", "---")):
        return click.style(line, bold=True)
    if line.startswith("@@"):
        return click.style(line, fg="cyan")
    if line.startswith("+"):
        return click.style(line, fg="green")
    if line.startswith("-"):
        return click.style(line, fg="red")
    return line
