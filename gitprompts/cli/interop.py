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
    if as_json:
        emit_json(_plain(report))
        return
    for uri_ in report.imported:
        click.echo(f"imported {uri_}")
    for uri_ in report.placeholders:
        click.echo(f"kept {uri_} deleted (MLflow deleted it before the import)")
    for line in [*report.aliases_set, *report.links]:
        click.echo(f"set {line}")
    for name, why in report.refused.items():
        click.echo(f"warning: left out {for_terminal(name)!r}: {for_terminal(why)}", err=True)
    if not (report.imported or report.aliases_set or report.tags_set or report.links):
        click.echo("nothing new to import")


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
    if as_json:
        emit_json(_plain(report))
        return
    for uri_ in report.exported:
        click.echo(f"exported {uri_}")
    for line in report.aliases_set:
        click.echo(f"set {line}")
    for name, why in report.refused.items():
        click.echo(f"warning: left out {for_terminal(name)!r}: {for_terminal(why)}", err=True)
    if not (report.exported or report.aliases_set):
        click.echo("nothing new to export")


def _plain(report: Any) -> Any:
    import msgspec

    return msgspec.to_builtins(report)
