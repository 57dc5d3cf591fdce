"""``gitprompts import mlflow URI`` and ``gitprompts export mlflow URI``."""

from __future__ import annotations

from typing import Any

import click

from ._common import emit_json, for_terminal, group, json_option

_TOKEN = click.option(
    "--token",
    envvar="MLFLOW_TRACKING_TOKEN",
    default=None,
    help="Bearer token for the MLflow server (env MLFLOW_TRACKING_TOKEN).",
)


@group("import")
def import_() -> None:
    """Bring prompts in from another registry."""


@import_.command("mlflow")
@click.argument("uri")
@_TOKEN
@json_option
def import_mlflow(uri: str, token: str | None, as_json: bool) -> None:
    """Copy every prompt of the MLflow registry at URI into this registry.

    URI is a tracking server (http://host:5000) or, with `pip install
    'gitprompts[mlflow]'`, a store (sqlite:///mlflow.db). Versions keep their
    numbers, templates, messages, tags, model configs, response formats and
    creation times; prompts keep their tags and aliases. Running it again
    imports only what is new; a name gitprompts refuses is reported, never
    renamed.

    \b
    gitprompts import mlflow http://127.0.0.1:5000
    """
    from gitprompts.interop import import_mlflow as run

    report = run(uri, token=token)
    lines = [
        *(f"imported {uri_}" for uri_ in report.imported),
        *(f"kept {u} deleted (MLflow deleted it before the import)" for u in report.placeholders),
        *(f"set {line}" for line in [*report.aliases_set, *report.links]),
    ]
    changed = report.imported or report.aliases_set or report.tags_set or report.links
    _show(report, as_json, lines, "" if changed else "nothing new to import")


@group("export")
def export() -> None:
    """Copy prompts out to another registry."""


@export.command("mlflow")
@click.argument("uri")
@_TOKEN
@json_option
def export_mlflow(uri: str, token: str | None, as_json: bool) -> None:
    """Copy every prompt of this registry to the MLflow tracking server at URI.

    \b
    gitprompts export mlflow http://127.0.0.1:5000
    """
    from gitprompts.interop import export_mlflow as run

    report = run(uri, token=token)
    lines = [
        *(f"exported {uri_}" for uri_ in report.exported),
        *(f"set {line}" for line in report.aliases_set),
    ]
    changed = report.exported or report.aliases_set
    _show(report, as_json, lines, "" if changed else "nothing new to export")


def _show(report: Any, as_json: bool, lines: list[str], nothing: str) -> None:
    """``report`` as JSON, or its ``lines``, a warning per name left out, then ``nothing``."""
    if as_json:
        import msgspec

        emit_json(msgspec.to_builtins(report))
        return
    for line in lines:
        click.echo(line)
    for name, why in report.refused.items():
        click.echo(f"warning: left out {for_terminal(name)!r}: {for_terminal(why)}", err=True)
    if nothing:
        click.echo(nothing)
