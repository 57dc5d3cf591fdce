"""``gitprompts serve``: host the registry (web UI + git smart HTTP) from one process."""

from __future__ import annotations

import click
from click.core import ParameterSource

import gitprompts
from gitprompts.errors import InvalidInputError

from ._common import command


@command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--registry",
    "registry_path",
    metavar="PATH",
    help="Registry to serve (default: the one the global --registry/--home names).",
)
@click.option(
    "--token",
    envvar="GITPROMPTS_SERVE_TOKEN",
    metavar="TOKEN",
    help="Token that pushes must present (HTTP basic password or Bearer) "
    "[env: GITPROMPTS_SERVE_TOKEN].",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False),
    help="Read the push token from the first line of this file.",
)
@click.option("--read-only", is_flag=True, help="Refuse every push.")
@click.option(
    "--idle-timeout",
    default=60.0,  # gitprompts.serve.IDLE_TIMEOUT (not imported: --help stays light)
    show_default=True,
    type=click.FloatRange(min=0.1),
    metavar="SECONDS",
    help="Drop a client silent this long, or slower than this to send its request headers.",
)
def serve(
    host: str,
    port: int,
    registry_path: str | None,
    token: str | None,
    token_file: str | None,
    read_only: bool,
    idle_timeout: float,
) -> None:
    """The web UI is at / and git at /git/registry.git.

    Anyone who can reach the port may browse and clone; pushing needs the
    token, and every push passes the registry's checks (the pre-receive
    rules). Binds 127.0.0.1 unless --host says otherwise.

    \b
    gitprompts serve --token-file ~/.gitprompts/token
    git clone http://127.0.0.1:5000/git/registry.git
    """
    from gitprompts.serve import GIT_PREFIX, make_server, serve_until_stopped
    from gitprompts.serve.auth import read_token_file

    if token and token_file:
        raise InvalidInputError("give --token or --token-file, not both")
    source = click.get_current_context().get_parameter_source("token")
    if token and source is ParameterSource.COMMANDLINE:
        click.echo(
            "warning: --token on the command line is visible to other users of this "
            "machine (ps); use --token-file FILE or GITPROMPTS_SERVE_TOKEN instead",
            err=True,
        )
    if token_file:
        token = read_token_file(token_file)
    if registry_path is not None:
        gitprompts.set_registry(registry_path)  # the UI reads the same registry
    registry = gitprompts.get_registry()
    server = make_server(
        registry.path,
        host,
        port,
        tokens=[token] if token else [],
        read_only=read_only,
        idle_timeout=idle_timeout,
    )
    url = server.url
    click.echo(f"gitprompts serve: {registry.path}")
    click.echo(f"  web UI  {url}/")
    click.echo(f"  git     {url}{GIT_PREFIX}")
    if read_only:
        click.echo("  pushes  refused (--read-only)")
    elif token:
        click.echo("  pushes  need the token")
    else:
        # Made by the user, not by serve: a token nobody chose would turn a
        # browse-only server into a writable one behind their back.
        click.echo("  pushes  refused: no token; to accept pushes, make one and restart:")
        click.echo(
            "          (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            " > ~/.gitprompts/serve-token)"
        )
        click.echo("          gitprompts serve --token-file ~/.gitprompts/serve-token")
        click.echo(
            "          clients: export GITPROMPTS_TOKEN=<the token>, "
            f"or gitprompts login {url}{GIT_PREFIX}"
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"  warning: listening on {host}: reachable beyond this machine", err=True)
    serve_until_stopped(server)
