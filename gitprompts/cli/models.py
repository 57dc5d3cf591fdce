"""``gitprompts models list|show|verify|export``: logged models and the prompts they pin.

Written against the model API of ``gitprompts`` (``search_models``,
``get_model_info``, ``verify_model``, ``save_model``), imported when a
command runs. ``ModelInfo`` and its prompt/file entries are read by
attribute or key, so both objects and plain dicts work.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import click

from ._common import emit_json, iso_time, json_option, local_time, progress, table


def _api(name: str) -> Callable[..., Any]:
    import gitprompts
    from gitprompts.errors import GitPromptsError

    function = getattr(gitprompts, name, None)
    if function is None:
        raise GitPromptsError(
            f"gitprompts.{name} is not available in this installation: "
            "the model commands need gitprompts with model logging"
        )
    return function  # type: ignore[no-any-return]


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def prompt_entry(p: Any) -> dict[str, Any]:
    """The documented JSON form of one prompt pinned by a model."""
    version = _get(p, "version")
    name = _get(p, "name")
    return {
        "uri": _get(p, "uri") or (f"prompts:/{name}/{version}" if name else None),
        "resolved_uri": f"prompts:/{name}/{version}" if name else None,
        "name": name,
        "version": None if version is None else int(version),
        "commit_id": _get(p, "commit_id"),
        "blob_id": _get(p, "blob_id"),
        "sha256": _get(p, "sha256"),
        "source": _get(p, "source"),
    }


def file_entry(f: Any) -> dict[str, Any]:
    """The documented JSON form of one model file."""
    return {"path": _get(f, "path"), "sha256": _get(f, "sha256"), "size": _get(f, "size")}


def model_entry(info: Any, *, details: bool = False) -> dict[str, Any]:
    """The documented JSON form of a model (``details``: with its prompts and files)."""
    if isinstance(info, str):
        return {"model_uri": info}
    created = _get(info, "creation_timestamp") or _get(info, "created")
    data: dict[str, Any] = {
        "model_uri": _get(info, "model_uri"),
        "model_id": _get(info, "model_id"),
        "name": _get(info, "name") or _get(info, "artifact_path"),
        "flavor": _get(info, "flavor"),
        "run_id": _get(info, "run_id"),
        "created": iso_time(created) if isinstance(created, int) else created,
        "prompts": [prompt_entry(p) for p in _get(info, "pins") or _get(info, "prompts") or []],
    }
    renumbered = _get(info, "renumbered") or {}
    for p in data["prompts"]:
        # A pull may have renumbered an unpublished version since the model was logged.
        p["current_version"] = renumbered.get(p["resolved_uri"], p["version"])
    if details:
        data["files"] = [file_entry(f) for f in _get(info, "files") or []]
    return data


@click.group()
def models() -> None:
    """Logged models: their pinned prompts and files."""


@models.command("list")
@click.option(
    "--prompt",
    metavar="NAME[/N]",
    help="Only models that use this prompt (any version of NAME, or version N).",
)
@json_option
def list_models(prompt: str | None, as_json: bool) -> None:
    """List logged models (those that use a prompt with --prompt)."""
    search = _api("search_models")
    found = search(prompt=prompt) if prompt else search()
    entries = [model_entry(m) for m in found]
    if as_json:
        emit_json(entries)
        return
    if not entries:
        click.echo("No models." if prompt is None else f"No models use {prompt}.", err=True)
        return
    rows = [
        [
            e["model_uri"] or "-",
            e.get("flavor") or "-",
            ", ".join(p["uri"] or "?" for p in e.get("prompts", [])) or "-",
        ]
        for e in entries
    ]
    click.echo(table(rows, ["MODEL", "FLAVOR", "PROMPTS"]))


@models.command("show")
@click.argument("uri")
@json_option
def show_model(uri: str, as_json: bool) -> None:
    """Show a model's pinned prompts and files.

    URI is models:/ID, runs:/RUN/NAME or a directory written by export.
    """
    info = _api("get_model_info")(uri)
    entry = model_entry(info, details=True)
    if as_json:
        emit_json(entry)
        return
    click.secho(entry["model_uri"] or uri, bold=True)
    for key in ("model_id", "name", "flavor", "run_id", "created"):
        if entry.get(key):
            value = entry[key]
            if key == "created" and isinstance(_get(info, "creation_timestamp"), int):
                value = local_time(_get(info, "creation_timestamp"))
            click.echo(f"{key + ':':<10}{value}")
    click.echo()
    click.echo("Pinned prompts:")
    prompt_rows = [
        [
            p["uri"] or "-",
            (
                f"prompts:/{p['name']}/{p['current_version']}"
                + (f" (logged as {p['version']})" if p["current_version"] != p["version"] else "")
            )
            if p["name"]
            else "-",
            (p["sha256"] or "-")[:12],
            p["source"] or "-",
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
            f["path"] or "-",
            str(f["size"]) if f["size"] is not None else "-",
            (f["sha256"] or "-")[:12],
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
    verify = _api("verify_model")
    if "progress" in inspect.signature(verify).parameters and not as_json:
        # verify_model(uri, progress=callback) calls callback(done, total) once per
        # file or pinned prompt it has checked; a bar shows only on a terminal.
        info = _api("get_model_info")(uri)
        total = len(_get(info, "files") or []) + len(_get(info, "prompts") or [])
        with progress(total, f"verifying {uri}") as advance:
            problems = list(verify(uri, progress=lambda done, total: advance(1)))
    else:
        problems = list(verify(uri))
    if as_json:
        emit_json({"model_uri": uri, "ok": not problems, "problems": [str(p) for p in problems]})
    else:
        for problem in problems:
            click.echo(f"MISMATCH {problem}")
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
    _api("save_model")(uri, path)
    click.echo(f"Exported {uri} to {path}")
