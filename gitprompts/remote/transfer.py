"""Push, pull and clone a registry with any git remote (path, file://, ssh://, http(s)://).

Everything that crosses the network runs the ``git`` CLI (``git.command``);
everything local (reading state files, rebasing, moving refs
compare-and-swap) happens inside one registry transaction, under the
registry's writer lock. The public face, which defaults to the current
registry, is ``gitprompts.sync``; here every function takes the registry.

Pull uses what the layout knows to stay fast at 100k tags: fetch ``main``
(and the models notes) first, read from the changed ``state/<name>.json``
files which version numbers are new, then fetch exactly those tags. When
both sides wrote versions, the local-only commits are replayed on the
remote ``main`` and unpublished local versions that collide are renumbered
after the remote's (``rebase``).

>>> pull(registry)               # doctest: +SKIP
PullResult(remote='origin', fetched=['prompts:/greet/3'], renumbered={}, ...)
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from gitprompts.core import layout
from gitprompts.core.layout import MAIN, MODELS_NOTES, VERSION_TAGS, tracking_main, tracking_notes
from gitprompts.core.urls import is_url, without_password
from gitprompts.errors import (
    GitCommandError,
    InvalidInputError,
    NotARegistryError,
    PushRejectedError,
    RemoteNotFoundError,
)
from gitprompts.fs.atomic import staged_directory
from gitprompts.git import command
from gitprompts.git.repo import GitRepo
from gitprompts.registry import Registry
from gitprompts.registry.transaction import Transaction
from gitprompts.remote import policy, rebase

DEFAULT_REMOTE = "origin"
_FETCH_FLAGS = [
    "--no-tags",
    "--no-write-fetch-head",
    "--no-auto-maintenance",
    "--no-show-forced-updates",
]
# Above this many changed prompts, one glob refspec beats a command line of them.
_MAX_NAMED_GLOBS = 2000
_PULL_FIRST = ("non-fast-forward", "fetch first", "already exists", "stale info")


@dataclass(frozen=True)
class PullResult:
    """What ``pull`` did: versions fetched, local versions renumbered, alias conflicts."""

    remote: str
    fetched: list[str] = field(default_factory=list)
    renumbered: dict[str, str] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    fast_forward: bool = True
    up_to_date: bool = False


@dataclass(frozen=True)
class PushResult:
    """What ``push`` sent: the refs updated on the remote (empty when up to date)."""

    remote: str
    refs: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not self.refs


def _progress(progress: bool | None) -> list[str]:
    show = command.stderr_is_tty() if progress is None else progress
    return ["--progress"] if show else ["--quiet"]


# -- remotes -------------------------------------------------------------------


def remotes(reg: Registry) -> dict[str, str]:
    """The registry's remotes: ``{name: url}``."""
    out = command.run(
        ["config", "--get-regexp", r"^remote\..*\.url$"], git_dir=reg.path, check=False
    )
    found = {}
    for line in out.splitlines():
        key, _, url = line.partition(" ")
        found[key[len("remote.") : -len(".url")]] = url
    return dict(sorted(found.items()))


def add_remote(reg: Registry, name: str, url: str) -> None:
    """Add remote ``name`` at ``url`` (a path, file://, ssh:// or http(s):// URL)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) or name.endswith(".lock"):
        raise InvalidInputError(
            f"invalid remote name {name!r}: use letters, digits, '.', '_' and '-' "
            "(starting with a letter or digit)"
        )
    if name in remotes(reg):
        raise InvalidInputError(
            f"remote {name!r} already exists; "
            f"remove it first with `gitprompts remote remove {name}`"
        )
    command.run(["remote", "add", name, _url(url)], git_dir=reg.path)


def remove_remote(reg: Registry, name: str) -> None:
    """Forget remote ``name`` (its remote-tracking refs go too; nothing else changes)."""
    known = remotes(reg)
    if name not in known:
        raise RemoteNotFoundError(name, list(known))
    command.run(["remote", "remove", name], git_dir=reg.path)


def _url(url: str) -> str:
    """A local path is made absolute (git resolves it against the registry otherwise)."""
    if is_url(url):
        return url
    return str(Path(url).expanduser().absolute())


def _remote(reg: Registry, remote: str | None) -> tuple[str, str]:
    known = remotes(reg)
    if remote is None:
        if DEFAULT_REMOTE in known or not known:
            remote = DEFAULT_REMOTE
        elif len(known) == 1:
            remote = next(iter(known))
        else:
            raise InvalidInputError(
                f"this registry has several remotes ({', '.join(known)}) and none is "
                f"{DEFAULT_REMOTE!r}: name the one to use"
            )
    if remote not in known:
        raise RemoteNotFoundError(remote, list(known))
    return remote, known[remote]


# -- login -----------------------------------------------------------------------


def login(url: str, token: str) -> None:
    """Store ``token`` for the http(s) ``url`` with git's credential helper.

    Then plain ``git push url`` and ``gitprompts push`` authenticate with
    no ``GITPROMPTS_TOKEN``; nothing is written into any registry.

    >>> login("http://127.0.0.1:5000/git/registry.git", "s3cret")  # doctest: +SKIP
    """
    if not re.match(r"^https?://[^/]", url, re.IGNORECASE):
        raise InvalidInputError(
            f"cannot log in to {without_password(url)!r}: give the http(s) URL of "
            "a served registry, e.g. http://127.0.0.1:5000/git/registry.git "
            "(ssh and paths use their own authentication)"
        )
    if "@" in url.split("/")[2]:
        raise InvalidInputError(
            f"cannot log in to {without_password(url)!r}: give the URL without "
            "user@ (the token is read from the prompt, stdin or GITPROMPTS_TOKEN)"
        )
    if not token.strip():
        raise InvalidInputError(f"cannot log in to {url!r}: the token given is empty")
    command.approve_credential(url, token.strip())


# -- clone -----------------------------------------------------------------------


def clone(
    url: str, path: str | os.PathLike[str] | None = None, progress: bool | None = None
) -> Registry:
    """Copy the registry at ``url`` into a new bare repository at ``path``; return it.

    Carries ``main``, every version tag and the models notes; ``origin``
    is set up so ``pull``/``push`` work with no argument. The copy appears
    at ``path`` only when complete. (Public as ``gitprompts.clone``: it takes
    no registry, so the facade re-exports it as it is.)

    >>> reg = gitprompts.clone("ssh://git@example.com/team/prompts.git")  # doctest: +SKIP
    >>> reg.path.name                                                     # doctest: +SKIP
    'prompts.git'
    """
    source = _url(url)
    if path is None:
        stem = re.split(r"[/:]", source.rstrip("/"))[-1].removesuffix(".git") or "registry"
        path = f"{stem}.git"
    target = Path(path).expanduser().absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise NotARegistryError(target, "it already exists and is not empty; choose a new path")
    with staged_directory(target) as temp:
        # --mirror brings the notes along in the same round trip as main and the tags.
        command.run(["clone", "--mirror", *_progress(progress), source, str(temp)])
        command.run(["config", "--unset", "remote.origin.mirror"], git_dir=temp)
        command.run(
            ["config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"], git_dir=temp
        )
        command.run(["symbolic-ref", "HEAD", MAIN], git_dir=temp)
        stray = command.run(["for-each-ref", "--format=%(refname)", "refs/remotes/"], git_dir=temp)
        commands = "".join(f"delete {ref}\n" for ref in stray.split())
        for ref, tracking in (
            (MAIN, tracking_main("origin")),
            (MODELS_NOTES, tracking_notes("origin")),
        ):
            oid = command.run(
                ["rev-parse", "--verify", "-q", ref], git_dir=temp, check=False
            ).strip()
            if oid:
                commands += f"update {tracking} {oid}\n"
        if commands:
            command.run(["update-ref", "--stdin"], git_dir=temp, input=commands.encode())
    return Registry(target, create=False)


# -- pull ------------------------------------------------------------------------


def pull(reg: Registry, remote: str | None = None, progress: bool | None = None) -> PullResult:
    """Bring the remote's new versions, aliases and model links into ``reg``.

    Unpublished local versions whose numbers the remote has taken meanwhile
    are renumbered after the remote's (their tags and aliases follow);
    published versions are never rewritten. An alias moved on both sides
    keeps the later move; the other is reported in ``conflicts``.
    """
    name, url = _remote(reg, remote)
    with reg.transaction(publish=False) as txn:
        git = txn.git
        local_main = txn.main
        old_tracking = git.ref(tracking_main(name))
        old_tracking_notes = git.ref(tracking_notes(name))
        side_refs = {
            tracking_main(name): old_tracking,
            tracking_notes(name): old_tracking_notes,
            MAIN: local_main,
            MODELS_NOTES: git.ref(MODELS_NOTES),
        }
        with command.SideDir(reg.path, side_refs) as side:
            specs = [
                f"+{MAIN}*:{tracking_main(name)}*",
                f"+{MODELS_NOTES}*:{tracking_notes(name)}*",
            ]
            _fetch(side, url, specs, progress)
            remote_main = side.ref(tracking_main(name))
            remote_notes = side.ref(tracking_notes(name))
            if remote_main is None:
                return PullResult(name, up_to_date=True)
            base = old_tracking
            if base is None or not git.is_ancestor(base, remote_main):
                base = git.merge_base(local_main, remote_main) if local_main else None
            # The version tags of every prompt whose file or state changed: a
            # version made by hand tags a commit without touching the state, so
            # the numbers are learnt from the tags themselves. Protocol v2 sends
            # each glob as a ref prefix: the remote advertises only these
            # prompts' tags, never all of them.
            changed = _changed_prompts(git, base, remote_main)
            remote_tags: dict[str, str] = {}
            if changed:
                if len(changed) > _MAX_NAMED_GLOBS:
                    tag_specs = [f"+{VERSION_TAGS}*:{VERSION_TAGS}*"]
                else:
                    tag_specs = [f"+{layout.tag_glob(n)}:{layout.tag_glob(n)}" for n in changed]
                _fetch(side, url, tag_specs, progress)
                remote_tags = {
                    ref: oid
                    for ref, oid in side.refs(VERSION_TAGS).items()
                    if git.ref(ref) != oid and layout.parse_tag_ref(ref) is not None
                }
        plan = rebase.integrate(git, local_main, remote_main, remote_tags)
        updates = dict(plan.ref_updates)
        updates[tracking_main(name)] = (old_tracking, remote_main)
        if remote_notes is not None:
            updates[tracking_notes(name)] = (old_tracking_notes, remote_notes)
        txn.update_refs(updates, f"gitprompts pull {name}")
        rebase.carry_notes(git, plan.rewritten)
        if remote_notes is not None:
            _merge_notes(txn, remote_notes)
        reg.forget_cache()
    fetched = sorted(layout.tag_uri(ref) for ref in remote_tags)
    return PullResult(
        name,
        fetched=fetched,
        renumbered=plan.renumbered,
        conflicts=plan.conflicts,
        fast_forward=not plan.rewritten,
        up_to_date=not txn.moved and not fetched,
    )


def _changed_prompts(git: GitRepo, base: str | None, tip: str) -> list[str]:
    """Names of the prompts whose file or state differs between ``base`` and ``tip``."""
    paths = git.changed_paths(base, tip, layout.PROMPTS_DIR)
    paths += git.changed_paths(base, tip, layout.STATE_DIR)
    return sorted({n for n in map(layout.name_from_path, paths) if n is not None})


def _new_tags(git: GitRepo, base: str | None, tip: str) -> list[str]:
    """Local version tags of prompts changed since ``base``: the tags past ``base``'s state.

    Every number given out has a tag (registered or made by hand), so the new
    ones are found by probing from the number after ``base``'s ``latest``
    until a tag is missing. The work is bounded by the tags that exist, never
    by what a state file claims: the tip's ``latest`` is not read, so a
    hand-edited ``latest = 10**9`` cannot make push list a billion refs.
    """
    wanted = []
    for name in _changed_prompts(git, base, tip):
        rebase.state_at(git, tip, name)  # an unreadable state is refused before anything is sent
        old = rebase.state_at(git, base, name).latest
        end = layout.next_number(old, functools.partial(_has_tag, git, name))
        wanted += [layout.tag_ref(name, n) for n in range(old + 1, end)]
    return wanted


def _has_tag(git: GitRepo, name: str, number: int) -> bool:
    return git.ref(layout.tag_ref(name, number)) is not None


def _merge_notes(txn: Transaction, remote_notes: str) -> None:
    """Union the remote's model links with ours, one model id per line (never overwrite)."""
    git = txn.git
    local = git.ref(MODELS_NOTES)
    if local is None:
        txn.update_refs({MODELS_NOTES: (None, remote_notes)}, "gitprompts pull: notes")
        return
    if git.is_ancestor(remote_notes, local):
        return
    person = txn.author
    env = {
        "GIT_AUTHOR_NAME": person.name,
        "GIT_AUTHOR_EMAIL": person.email,
        "GIT_COMMITTER_NAME": person.name,
        "GIT_COMMITTER_EMAIL": person.email,
    }
    # cat_sort_uniq is the notes format's own union: one id per line, sorted.
    command.run(
        ["notes", f"--ref={MODELS_NOTES}", "merge", "-q", "-s", "cat_sort_uniq", remote_notes],
        git_dir=git.path,
        env=env,
    )
    txn.moved.append(MODELS_NOTES)


# -- push ------------------------------------------------------------------------


def push(reg: Registry, remote: str | None = None, progress: bool | None = None) -> PushResult:
    """Publish ``reg``'s local versions, aliases and model links: all refs or none (``--atomic``).

    Raises ``PushRejectedError`` (``pull_first=True``) when the remote has
    versions or commits this registry has not pulled yet.
    """
    name, url = _remote(reg, remote)
    with reg.transaction(publish=False) as txn:
        git = txn.git
        local_main = txn.main
        if local_main is None:
            return PushResult(name)
        tracking = git.ref(tracking_main(name))
        notes = git.ref(MODELS_NOTES)
        old_notes = git.ref(tracking_notes(name))
        refs: dict[str, str] = {}
        if tracking != local_main:
            refs[MAIN] = local_main
        glob = False
        if tracking is None or not git.is_ancestor(tracking, local_main):
            glob = True  # first push (or unknown remote state): offer every version tag
        elif MAIN in refs:
            for ref in _new_tags(git, tracking, local_main):
                oid = git.ref(ref)
                if oid is not None:
                    refs[ref] = oid
        if notes is not None and notes != old_notes:
            refs[MODELS_NOTES] = notes
        if not refs:
            return PushResult(name)
        specs = [f"{ref}:{ref}" for ref in sorted(refs)]
        if glob:
            specs.append(f"{VERSION_TAGS}*:{VERSION_TAGS}*")
        args = ["push", "--atomic", "--porcelain", "--no-verify", "--no-follow-tags"]
        args += _progress(progress)
        side_refs: dict[str, str | None] = dict(refs)
        with command.SideDir(reg.path, side_refs) as side:
            if glob:
                # A first push sends every tag: run it from the registry itself.
                code, out, err = command.attempt(
                    ["--git-dir", str(reg.path), *args, url, *specs],
                    show_progress=_progress(progress) == ["--progress"],
                )
            else:
                code, out, err = command.attempt(
                    [*args, url, *specs],
                    env=side.env,
                    show_progress=_progress(progress) == ["--progress"],
                )
        if code != 0:
            _raise_rejected(name, code, out, err, args)
        updates: dict[str, tuple[str | None, str | None]] = {
            tracking_main(name): (tracking, local_main)
        }
        if MODELS_NOTES in refs:
            updates[tracking_notes(name)] = (old_notes, notes)
        txn.update_refs(updates, f"gitprompts push {name}")
    return PushResult(name, sorted(refs) + ([f"{VERSION_TAGS}*"] if glob else []))


def _raise_rejected(remote: str, code: int, out: str, err: str, args: list[str]) -> None:
    rejected: dict[str, str] = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] == "!":
            ref = parts[1].rpartition(":")[2]
            rejected[ref] = parts[2].strip()
    if not rejected:
        raise GitCommandError([*args[:1], "(to " + remote + ")"], code, err or out)
    hook_lines = [
        line[len("remote: ") :].strip()
        for line in err.splitlines()
        if line.startswith("remote: ") and line[len("remote: ") :].strip()
    ]
    # git's own refusals name a race ("fetch first"...); the server hook's end
    # in PULL_FIRST when another push got in first (it took our number, or
    # moved what we build on): either way pulling, not fixing, is the remedy.
    pull_first = any(marker in why for why in rejected.values() for marker in _PULL_FIRST)
    pull_first = pull_first or any(policy.PULL_FIRST in line for line in hook_lines)
    if hook_lines:
        first = next(iter(sorted(rejected)))
        rejected[first] += ": " + "; ".join(hook_lines)
    raise PushRejectedError(remote, rejected, pull_first)


def _fetch(side: command.SideDir, url: str, refspecs: list[str], progress: bool | None) -> None:
    """``git fetch`` of exactly ``refspecs`` over protocol v2, so only they are advertised."""
    flags = _progress(progress)
    side.git(
        ["-c", "protocol.version=2", "fetch", *_FETCH_FLAGS, *flags, url, *refspecs],
        show_progress=flags == ["--progress"],
    )
