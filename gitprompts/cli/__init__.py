"""The ``gitprompts`` command line (click), a thin layer over the public API.

Commands live in modules of this package and are imported only when run
(``commands.LAZY_COMMANDS``), so ``gitprompts --help`` stays fast and never
imports pygit2; it lists them with their ``commands.SUMMARIES``. A command
parses its arguments, calls one API function and formats the result; what
every command shares (global options, ``--json``, output helpers,
completion) is in ``_common``.

Exit codes: 0 ok; 1 a user error (a ``GitPromptsError``: one line on stderr
naming the input, no traceback unless ``--debug``); 2 a usage error (click's).
"""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import Any, NoReturn

import click

from gitprompts import __version__
from gitprompts.errors import GitPromptsError

from ._common import Group, Options, for_terminal
from .commands import LAZY_COMMANDS, SUMMARIES


class UserError(click.ClickException):
    """A ``GitPromptsError`` (or an OS error on a named file) shown as one line, exit 1."""

    exit_code = 1

    def __init__(self, error: BaseException, debug: bool) -> None:
        if isinstance(error, OSError) and not isinstance(error, GitPromptsError):
            message = f"{error.strerror or error}: {error.filename}"
        else:
            message = cli_message(error)
        one_line = " ".join(line.strip() for line in message.splitlines() if line.strip())
        super().__init__(for_terminal(one_line))
        self.error = error
        self.debug = debug

    def show(self, file: Any = None) -> None:
        if self.debug:
            import traceback

            traceback.print_exception(type(self.error), self.error, self.error.__traceback__)
        click.echo(f"Error: {self.format_message()}", err=True)


def cli_message(error: BaseException) -> str:
    """``error``'s message in the words of the command line, not of the Python API.

    The API's messages name Python calls (``register_prompt(...)``,
    ``allow_partial=True``); a shell user is told the command or option instead.

    >>> from gitprompts.errors import MissingVariablesError, PromptNotFoundError
    >>> cli_message(PromptNotFoundError("gret", near=["greet"]))
    "prompt 'gret' not found (did you mean 'greet'?): register it with `gitprompts register gret`"
    >>> print(cli_message(MissingVariablesError(["text"], "prompts:/s/1")))  # doctest: +ELLIPSIS
    missing value ... 'text' of prompts:/s/1: pass them with -v text=VALUE, or use --partial ...
    """
    from gitprompts.errors import MissingVariablesError, PromptNotFoundError

    if isinstance(error, PromptNotFoundError):
        return (
            f"prompt {error.name!r} not found{error.did_you_mean}: "
            f"register it with `gitprompts register {error.name}`"
        )
    if isinstance(error, MissingVariablesError):
        names = ", ".join(repr(m) for m in error.missing)
        where = f" of {error.uri}" if error.uri else ""
        flags = " ".join(f"-v {m}=VALUE" for m in error.missing)
        return (
            f"missing value for template variable(s) {names}{where}: pass them with {flags}, "
            "or use --partial to leave them in place"
        )
    return str(error)


class LazyGroup(Group):
    """A group whose subcommands are imported only when invoked (or completed)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module, _, attr = LAZY_COMMANDS[cmd_name].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attr)
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Same layout as click's, from SUMMARIES: --help imports no command module.
        rows = [
            (name, SUMMARIES.get(name) or self._short_help(ctx, name))
            for name in self.list_commands(ctx)
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def _short_help(self, ctx: click.Context, name: str) -> str:
        command = self.get_command(ctx, name)
        return command.get_short_help_str() if command is not None else ""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GitPromptsError as exc:
            raise UserError(exc, _debug(ctx)) from exc
        except OSError as exc:
            if isinstance(exc, BrokenPipeError) or exc.filename is None:
                raise  # click handles a closed pipe; anything else is a bug
            raise UserError(exc, _debug(ctx)) from exc


def _debug(ctx: click.Context) -> bool:
    obj = ctx.find_root().obj
    return isinstance(obj, Options) and obj.debug


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--registry",
    metavar="PATH/URL",
    envvar="GITPROMPTS_REGISTRY",
    help="Registry to use [env: GITPROMPTS_REGISTRY; default: HOME/registry.git].",
)
@click.option(
    "--home",
    metavar="DIR",
    envvar="GITPROMPTS_HOME",
    help="gitprompts home: default registry and model artifacts "
    "[env: GITPROMPTS_HOME; default: ~/.gitprompts].",
)
@click.option("--debug", is_flag=True, help="Show the traceback of errors.")
@click.version_option(
    __version__, "-V", "--version", prog_name="gitprompts", message="%(prog)s %(version)s"
)
@click.pass_context
def main(ctx: click.Context, registry: str | None, home: str | None, debug: bool) -> None:
    """gitprompts: a prompt registry in a git repository.

    Prompts are referred to as NAME/VERSION, NAME@ALIAS, NAME (the latest
    version) or prompts:/NAME/VERSION. Every read command takes --json.
    """
    # A value from the environment is already in effect; only flags given on
    # the command line need applying (and --home must beat an inherited
    # GITPROMPTS_REGISTRY).
    source = ctx.get_parameter_source
    options = Options(
        registry=registry if source("registry") == click.core.ParameterSource.COMMANDLINE else None,
        home=home if source("home") == click.core.ParameterSource.COMMANDLINE else None,
        debug=debug,
    )
    options.apply()
    ctx.obj = options
    if not debug:
        shown = warnings.showwarning
        warnings.showwarning = _show_warning
        ctx.call_on_close(lambda: setattr(warnings, "showwarning", shown))


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    """A warning as one line on stderr, like an error (``--debug`` shows Python's form)."""
    text = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
    click.echo(f"warning: {for_terminal(text)}", err=True)


def run() -> NoReturn:  # pragma: no cover - the entry point of python -m gitprompts
    sys.exit(main(prog_name="gitprompts"))


if __name__ == "__main__":  # pragma: no cover
    run()
