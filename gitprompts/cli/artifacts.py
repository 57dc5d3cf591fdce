"""``gitprompts artifacts [set URL | unset | upload]``: where logged models travel."""

from __future__ import annotations

from typing import Any

import click

from ._common import emit_json, group, json_option


def _sync() -> Any:
    import gitprompts.sync

    return gitprompts.sync


@group("artifacts")
@json_option
@click.pass_context
def artifacts(ctx: click.Context, as_json: bool) -> None:
    """With no subcommand: the shared store in use and where it was configured.

    GITPROMPTS_ARTIFACTS (a URL, or a local directory meaning "no shared
    store") wins over the registry's setting; a registry cloned from a
    gitprompts serve uses that server's /artifacts by default.
    """
    if ctx.invoked_subcommand is not None:
        return
    from gitprompts.models.store import Store

    shared = _sync().artifact_store()
    cache = str(Store().root)
    if as_json:
        emit_json({"url": shared.url, "source": shared.source, "cache": cache})
        return
    if shared.url is None:
        click.echo(f"No shared artifact store: models stay in {cache}")
        click.echo("Share them with `gitprompts artifacts set s3://BUCKET/PREFIX`.")
        return
    click.echo(f"url:    {shared.url}")
    click.echo(f"source: {shared.source}")
    click.echo(f"cache:  {cache}")


artifacts.invoke_without_command = True
artifacts.no_args_is_help = False


@artifacts.command("set")
@click.argument("url")
def set_store(url: str) -> None:
    """Commit URL (s3://, gs://, az://, http(s)://HOST/artifacts) as the registry's store."""
    moved = _sync().set_artifact_store(url)
    click.echo(f"Shared artifact store: {url}" + ("" if moved else " (unchanged)"))
    if moved:
        click.echo("Push to share the setting with every clone.")


@artifacts.command("unset")
def unset_store() -> None:
    """Forget the registry's shared store (models stay where they are)."""
    moved = _sync().set_artifact_store(None)
    click.echo("Forgot the shared artifact store." if moved else "No shared store was set.")


@artifacts.command("upload")
@json_option
def upload(as_json: bool) -> None:
    """Upload every linked model the shared store lacks (push does this first)."""
    sent = _sync().upload_models()
    if as_json:
        emit_json({"models": sent.models, "objects": sent.objects, "bytes": sent.bytes})
        return
    click.echo(f"Uploaded {len(sent.models)} models ({sent.objects} objects, {sent.bytes} bytes).")
