"""``gitprompts models list|show|verify|export``: logged models and the prompts they pin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from gitprompts.core.times import iso_utc, local_minute
from gitprompts.core.uri import version_uri

from ._common import emit_json, for_terminal, group, json_option, progress, table

if TYPE_CHECKING:
    from gitprompts.models.api import ModelInfo
    from gitprompts.models.manifest import FileEntry, PromptEntry


def prompt_entry(pin: PromptEntry, renumbered: dict[str, int]) -> dict[str, Any]:
    """The documented JSON form of one prompt pinned by a model."""
    return {
        "uri": pin.uri,
        "resolved_uri": pin.resolved_uri,
        "name": pin.name,
        "version": pin.version,
        "commit_id": pin.commit_id,
        "blob_id": pin.blob_id,
        "sha256": pin.sha256,
        "source": pin.source,
        # A pull may have renumbered an unpublished version since the model was logged.
        "current_version": renumbered.get(pin.resolved_uri, pin.version),
    }


def file_entry(file: FileEntry) -> dict[str, Any]:
    """The documented JSON form of one model file."""
    return {"path": file.path, "sha256": file.sha256, "size": file.size}


def model_entry(info: ModelInfo, *, details: bool = False) -> dict[str, Any]:
    """The documented JSON form of a model (``details``: with its files)."""
    data: dict[str, Any] = {
        "model_uri": info.model_uri,
        "model_id": info.model_id,
        "name": info.name,
        "flavor": info.flavor,
        "run_id": info.run_id,
        "created": iso_utc(info.created_at),
        "prompts": [prompt_entry(pin, info.renumbered) for pin in info.pins],
    }
    if details:
        data["files"] = [file_entry(f) for f in info.files]
        # MLflow's log_model arguments, as recorded (issue 20).
        data["requirements"] = info.requirements
        data["signature"] = None if info.signature is None else info.signature.to_dict()
        data["metadata"] = info.metadata
        data["model_config"] = info.model_config
        data["artifacts"] = dict(info.manifest.artifacts)
    return data


@group("models")
def models() -> None:
    """A model is named by models:/ID, runs:/RUN/NAME or a directory written by export."""


@models.command("list")
@click.option(
    "--prompt",
    metavar="NAME[/N]",
    help="Only models that use this prompt (any version of NAME, or version N).",
)
@json_option
def list_models(prompt: str | None, as_json: bool) -> None:
    """List logged models (those that use a prompt with --prompt)."""
    from gitprompts import search_models

    entries = [model_entry(m) for m in search_models(prompt=prompt)]
    if as_json:
        emit_json(entries)
        return
    if not entries:
        click.echo("No models." if prompt is None else f"No models use {prompt}.", err=True)
        return
    rows = [
        [
            short_uri(e["model_id"]),
            e["flavor"],
            ", ".join(pinned_text(p) for p in e["prompts"]) or "-",
        ]
        for e in entries
    ]
    click.echo(table(rows, ["MODEL", "FLAVOR", "PROMPTS"]))


SHORT_ID = 12


def short_uri(model_id: str) -> str:
    """``models:/`` and the first 12 hex digits, which ``models:/<prefix>`` accepts back.

    >>> short_uri("0123456789abcdef" * 4)
    'models:/0123456789ab'
    """
    return f"models:/{model_id[:SHORT_ID]}"


def pinned_text(pin: dict[str, Any]) -> str:
    """The version a model pins, and the URI as written when that differs.

    >>> pinned_text({"uri": "prompts:/x@production", "name": "x", "version": 2,
    ...              "current_version": 2})
    'prompts:/x/2 (as prompts:/x@production)'
    >>> pinned_text({"uri": "prompts:/x/2", "name": "x", "version": 2, "current_version": 2})
    'prompts:/x/2'
    """
    pinned = version_uri(pin["name"], pin["current_version"])
    notes = []
    if pin["uri"] != pinned and pin["uri"] != version_uri(pin["name"], pin["version"]):
        notes.append(f"as {pin['uri']}")
    if pin["current_version"] != pin["version"]:
        notes.append(f"logged as {pin['version']}")
    return pinned + (f" ({', '.join(notes)})" if notes else "")


@models.command("show")
@click.argument("uri")
@json_option
def show_model(uri: str, as_json: bool) -> None:
    """Show a model's pinned prompts and files.

    URI is models:/ID, runs:/RUN/NAME or a directory written by export.
    """
    from gitprompts import get_model_info

    info = get_model_info(uri)
    entry = model_entry(info, details=True)
    if as_json:
        emit_json(entry)
        return
    click.secho(short_uri(info.model_id), bold=True)
    fields = {
        "model_id": info.model_id,
        "name": info.name,
        "flavor": info.flavor,
        "run_id": info.run_id,
        "created": local_minute(info.created_at),
    }
    for key, value in fields.items():
        if value:
            click.echo(f"{key + ':':<10}{for_terminal(str(value))}")
    click.echo()
    click.echo("Pinned prompts:")
    prompt_rows = [
        [
            p["uri"],
            version_uri(p["name"], p["current_version"])
            + (f" (logged as {p['version']})" if p["current_version"] != p["version"] else ""),
            p["sha256"][:12],
            p["source"],
        ]
        for p in entry["prompts"]
    ]
    click.echo(
        _indent(table(prompt_rows, ["AS WRITTEN", "PINNED", "SHA256", "SOURCE"]))
        if prompt_rows
        else "  (none)"
    )
    click.echo()
    click.echo("Files:")
    file_rows = [
        [
            f["path"],
            str(f["size"]),
            f["sha256"][:12],
        ]
        for f in entry["files"]
    ]
    click.echo(_indent(table(file_rows, ["PATH", "SIZE", "SHA256"])) if file_rows else "  (none)")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


@models.command("verify")
@click.argument("uri")
@json_option
def verify_model(uri: str, as_json: bool) -> None:
    """Re-hash every file and pinned prompt of a model; report each mismatch (exit 1 if any)."""
    from gitprompts import verify_model as verify

    if as_json:
        problems = verify(uri)
    else:
        with progress(f"verifying {uri}") as report:
            problems = verify(uri, progress=report)
    if as_json:
        emit_json({"model_uri": uri, "ok": not problems, "problems": [str(p) for p in problems]})
    else:
        for problem in problems:
            click.echo(f"MISMATCH {for_terminal(str(problem))}")
        if not problems:
            click.echo(f"OK {uri}: every file and pinned prompt matches its hash")
    if problems:
        click.echo(f"Error: {len(problems)} mismatch(es) in {uri}", err=True)
        raise SystemExit(1)


@models.command("export")
@click.argument("uri")
@click.argument("path", type=click.Path(file_okay=False))
def export_model(uri: str, path: str) -> None:
    """Write a self-contained copy of a model to directory PATH (loadable with no registry)."""
    from gitprompts import save_model

    save_model(uri, path)
    click.echo(f"Exported {uri} to {path}")
