"""What every command shares: the global options, ``--json``, output and errors.

Command modules import what they share from here; this module imports
click, the standard library and pure ``gitprompts.core`` modules at module
level and the public API lazily, so it costs nothing on ``gitprompts --help``
(and never loads pygit2).

A command is written like this (its summary, the first line of its help,
is ``commands.SUMMARIES["show"]``; the docstring is the rest)::

    @command("show")
    @click.argument("uri", shell_complete=complete_uri)
    @json_option
    def show(uri: str, as_json: bool) -> None:
        '''URI is NAME/N, NAME@ALIAS or NAME (the latest version).'''
        version = gitprompts.load_prompt(uri)   # a GitPromptsError becomes exit 1
        if as_json:
            emit_json(version_json(version))

Machine output (``--json``) is one JSON document on stdout with the keys
documented in the README ("JSON output"); new keys may be added, documented
keys are never renamed or removed.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import click

import gitprompts
from gitprompts import config
from gitprompts.core.times import iso_utc

from .commands import SUMMARIES

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from gitprompts.core.prompt import Prompt, PromptVersion

F = TypeVar("F", bound=Callable[..., Any])


# -- the global options ------------------------------------------------------


@dataclass
class Options:
    """The global options, stored as the root context's ``obj``."""

    registry: str | None = None
    home: str | None = None
    debug: bool = False

    def apply(self) -> None:
        """Point the public API at the registry and home these options name.

        An option given on the command line beats the environment: ``--home``
        given explicitly wins over a ``GITPROMPTS_REGISTRY`` from the
        environment, ``--registry`` wins over everything.
        """

        if self.home is not None:
            # The artifact store (logged models) lives under the home too, and
            # it reads the environment, so the home travels that way.
            os.environ["GITPROMPTS_HOME"] = self.home
        if self.registry is not None:
            config.set_registry(self.registry)
        elif self.home is not None:
            config.set_registry(os.path.join(self.home, "registry.git"))
        else:
            config.set_registry(None)


def apply_for_completion(ctx: click.Context) -> None:
    """During tab completion ``main`` does not run: apply its parsed options here."""
    params = ctx.find_root().params
    registry = params.get("registry")
    home = params.get("home")
    Options(registry=registry, home=home).apply()


# -- defining a command ------------------------------------------------------


def command(name: str) -> Callable[[Callable[..., Any]], click.Command]:
    """``click.command(name)`` whose help starts with ``SUMMARIES[name]``; the docstring follows.

    >>> @command("init")
    ... def init() -> None:
    ...     '''Creating a registry that already exists is not an error.'''
    >>> print(init.get_short_help_str())
    Create a registry (default: the embedded one).
    >>> print(init.help)
    Create a registry (default: the embedded one).
    <BLANKLINE>
    Creating a registry that already exists is not an error.
    """

    def decorate(func: Callable[..., Any]) -> click.Command:
        return click.command(name, help=_help(name, func), short_help=SUMMARIES[name])(func)

    return decorate


class Group(click.Group):
    """A click group that takes ``rm`` for ``remove`` and suggests a mistyped subcommand.

    git's convention: the command is ``remove``, ``rm`` is its short form (so
    ``alias rm`` and ``remote rm`` keep working, and ``alias remove`` matches
    ``remote remove``).
    """

    SHORT_FORMS: ClassVar[dict[str, str]] = {"rm": "remove"}

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in self.SHORT_FORMS:
            return super().get_command(ctx, self.SHORT_FORMS[cmd_name])
        return found

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            typed = args[0] if args else ""
            import difflib  # only on this failing path: it costs ~1 ms to import

            close = difflib.get_close_matches(typed, self.list_commands(ctx), n=1)
            if not close or self.get_command(ctx, typed) is not None:
                raise
            raise click.UsageError(f"{exc.message} Did you mean {close[0]!r}?", ctx) from None


def group(name: str) -> Callable[[Callable[..., Any]], click.Group]:
    """``click.group(name)`` whose help starts with ``SUMMARIES[name]``, as ``command`` does."""

    def decorate(func: Callable[..., Any]) -> click.Group:
        return click.group(name, cls=Group, help=_help(name, func), short_help=SUMMARIES[name])(
            func
        )

    return decorate


def _help(name: str, func: Callable[..., Any]) -> str:
    details = inspect.cleandoc(func.__doc__ or "")
    return f"{SUMMARIES[name]}\n\n{details}" if details else SUMMARIES[name]


# -- output ------------------------------------------------------------------


def json_option(func: F) -> F:
    """``--json``: one JSON document on stdout instead of the human format."""
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print machine-readable JSON (keys documented in the README).",
    )(func)


def json_text(data: Any) -> str:
    """``data`` as the CLI writes JSON: indented, non-ASCII kept as is, one trailing newline.

    >>> print(json_text({"name": "grüß"}), end="")
    {
      "name": "grüß"
    }
    """
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def emit_json(data: Any) -> None:
    """Print ``data`` as ``json_text``: the ``--json`` output of every command."""
    click.echo(json_text(data), nl=False)


def write_exact(text: str) -> None:
    """Write ``text`` byte for byte (UTF-8, no newline added, CRLF kept).

    On a terminal a final newline is added when the text has none, so the
    shell prompt does not end up glued to it; piped output is exact.
    """
    stream = sys.stdout.buffer
    data = text.encode("utf-8")
    if stdout_is_tty() and not data.endswith(b"\n"):
        data += b"\n"
    stream.write(data)
    stream.flush()


def stdout_is_tty() -> bool:
    return _isatty(sys.stdout)


def stderr_is_tty() -> bool:
    return _isatty(sys.stderr)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# What a terminal would act on instead of showing: C0 controls but tab and
# newline (ESC starts CSI and OSC sequences: retitle the window, write a
# hyperlink, clear the screen), DEL, C1 controls (U+009B is CSI and U+009D
# OSC on their own), and a carriage return that does not end a line (it
# lets the rest of a line overwrite what came before it).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


def for_terminal(text: str) -> str:
    r"""``text`` with each control character a terminal would act on written as ``\xNN``.

    Every value the registry holds (a commit message, a tag, a template, an
    author's name) can come from anyone who can push, so all human output
    goes through here; ``--json`` and ``--raw`` stay exact. Tabs, newlines
    and CRLF line ends are kept.

    >>> for_terminal("done\x1b]0;pwned\x07 and\r\n")
    'done\\x1b]0;pwned\\x07 and\r\n'
    """
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def table(rows: list[list[str]], header: list[str]) -> str:
    """Left-aligned columns separated by two spaces; the last column is not padded.

    Cells are shown ``for_terminal``.
    """
    # One scan of all the text instead of one per cell when nothing needs
    # escaping (the usual case): 40,000 cells of a 10,000-prompt list.
    if _CONTROL.search(" ".join(" ".join(row) for row in rows)):
        rows = [[for_terminal(cell) for cell in row] for row in rows]
    everything = [header, *rows]
    widths = [max(map(len, column)) for column in list(zip(*everything, strict=True))[:-1]]
    # One format call per row (10,000 rows: ~3x faster than padding cell by cell).
    line = "  ".join([*(f"{{:<{width}}}" for width in widths), "{}"])
    lines = [line.format(*row).rstrip() for row in everything]
    return "\n".join(lines)


@contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr when it is a terminal; nothing at all when piped.

    Yields ``report(done, total)``, the callback the API's long operations take
    (``verify_model(uri, progress=report)``); the bar appears at the first report.
    """
    if not stderr_is_tty():
        yield lambda done, total: None
        return
    with ExitStack() as stack:
        bars: list[Any] = []

        def report(done: int, total: int) -> None:
            if not bars:
                bar = click.progressbar(length=total, label=label, file=sys.stderr)
                bars.append(stack.enter_context(bar))
            bars[0].update(done - bars[0].pos)

        yield report


# -- formatting API objects --------------------------------------------------


def version_json(version: PromptVersion, *, template: bool = True) -> dict[str, Any]:
    """The documented JSON form of one prompt version."""
    data: dict[str, Any] = {
        "name": version.name,
        "version": version.version,
        "uri": version.uri,
        "type": version.prompt_type,
    }
    if template:
        data["template"] = version.template
    data.update(
        {
            "variables": sorted(version.variables),
            "commit_message": version.commit_message,
            "tags": dict(sorted(version.tags.items())),
            "aliases": sorted(version.aliases),
            "created": iso_utc(version.creation_timestamp),
            "creation_timestamp": version.creation_timestamp,
            "user_id": version.user_id,
            "model_config": version.model_config,
            "response_format": version.response_format,
            "commit_id": version.commit_id,
            "blob_id": version.blob_id,
        }
    )
    return data


def prompt_json(prompt: Prompt) -> dict[str, Any]:
    """The documented JSON form of one prompt as ``list`` shows it."""
    return {
        "name": prompt.name,
        "latest_version": prompt.latest_version,
        "uri": prompt.uri,
        "aliases": dict(sorted(prompt.aliases.items())),
        "tags": dict(sorted(prompt.tags.items())),
        "updated": iso_utc(prompt.creation_timestamp),
        "updated_timestamp": prompt.creation_timestamp,
    }


def author_name(user_id: str | None) -> str:
    """``Ada Lovelace <ada@example.com>`` → ``Ada Lovelace``."""
    if not user_id:
        return "-"
    return user_id.split(" <", 1)[0]


# -- reading user input ------------------------------------------------------


def key_values(pairs: tuple[str, ...], option: str) -> dict[str, str]:
    """``("a=1", "b=x=y")`` → ``{"a": "1", "b": "x=y"}``; a pair without ``=`` is a usage error."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint=f"'{option}'")
        result[key] = value
    return result


# -- tab completion (names and aliases read through the public API) ----------


def _prompts(ctx: click.Context) -> list[Prompt]:
    try:
        apply_for_completion(ctx)

        return gitprompts.search_prompts()
    except Exception:  # completion must never print a traceback into the shell
        return []


def complete_name(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Prompt names."""
    from click.shell_completion import CompletionItem

    return [
        CompletionItem(p.name, help=f"latest version {p.latest_version}")
        for p in _prompts(ctx)
        if p.name.startswith(incomplete)
    ]


def complete_uri(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """``name``, then ``name@alias`` / ``name/N`` once the name is typed."""
    from click.shell_completion import CompletionItem

    body = incomplete.removeprefix("prompts:/")
    scheme = incomplete[: len(incomplete) - len(body)]
    items: list[CompletionItem] = []
    for p in _prompts(ctx):
        if body.startswith(p.name + "@") or body.startswith(p.name + "/"):
            candidates = [f"{p.name}@{a}" for a in [*p.aliases, "latest"]]
            candidates += [f"{p.name}/{n}" for n in _live_versions(p.name)]
            items += [CompletionItem(scheme + c) for c in candidates if c.startswith(body)]
        elif p.name.startswith(body):
            items.append(CompletionItem(scheme + p.name))
    return items


def _live_versions(name: str) -> list[int]:
    """The numbers of ``name``'s versions that were not deleted, newest first."""
    try:
        return [v.version for v in reversed(gitprompts.get_registry().versions(name))]
    except Exception:  # completion must never print a traceback into the shell
        return []


def _typed_prompt(ctx: click.Context) -> Any:
    """The prompt named by the ``name`` argument already typed, or None."""
    name = ctx.params.get("name")
    return next((p for p in _prompts(ctx) if p.name == name), None)


def complete_alias(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Aliases of the prompt named by the ``name`` argument already typed."""
    from click.shell_completion import CompletionItem

    prompt = _typed_prompt(ctx)
    aliases = prompt.aliases if prompt is not None else []
    return [CompletionItem(a) for a in aliases if a.startswith(incomplete)]


def stdin_is_tty() -> bool:
    return _isatty(sys.stdin)
