"""Push, pull and clone a registry with any git remote (path, file://, ssh://, http(s)://).

Everything that crosses the network runs the ``git`` CLI (see ``gitcli``);
everything local (reading state files, rebasing, moving refs
compare-and-swap) goes through the registry and the git backend, under the
registry's writer lock.

Pull uses what the layout knows to stay fast at 100k tags: fetch ``main``
(and the models notes) first, read from the changed ``state/<name>.json``
files which version numbers are new, then fetch exactly those tags. When
both sides wrote versions, the local-only commits are replayed on the
remote ``main`` and unpublished local versions that collide are renumbered
after the remote's (``rebase``).

>>> import gitprompts
>>> gitprompts.pull()            # doctest: +SKIP
PullResult(remote='origin', fetched=['prompts:/greet/3'], renumbered={}, ...)
>>> gitprompts.push()            # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from gitprompts.errors import (
    InvalidInputError,
    NotARegistryError,
    PushRejectedError,
    RemoteNotFoundError,
)
from gitprompts.fs.atomic import staged_directory
from gitprompts.git import command as gitcli
from gitprompts.registry.registry import MAIN, MODELS_NOTES, Registry, tag_ref
from gitprompts.remote import rebase

__all__ = [
    "PullResult",
    "PushResult",
    "add_remote",
    "clone",
    "pull",
    "push",
    "remotes",
    "remove_remote",
]

DEFAULT_REMOTE = "origin"
_FETCH_FLAGS = [
    "--no-tags",
    "--no-write-fetch-head",
    "--no-auto-maintenance",
    "--no-show-forced-updates",
]
# Above this many new tags, one glob refspec beats a command line of names.
_MAX_NAMED_TAGS = 2000
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


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    from gitprompts.remote.location import get_registry

    return get_registry()


def _progress(progress: bool | None) -> list[str]:
    show = gitcli.stderr_is_tty() if progress is None else progress
    return ["--progress"] if show else ["--quiet"]


def tracking_main(remote: str) -> str:
    return f"refs/remotes/{remote}/main"


def tracking_notes(remote: str) -> str:
    return f"refs/remotes/{remote}/notes/gitprompts-models"


# -- remotes -------------------------------------------------------------------


def remotes(registry: Registry | None = None) -> dict[str, str]:
    """The registry's remotes: ``{name: url}``.

    >>> gitprompts.sync.remotes()            # doctest: +SKIP
    {'origin': 'ssh://git@example.com/team/prompts.git'}
    """
    reg = _registry(registry)
    out = gitcli.run(
        ["config", "--get-regexp", r"^remote\..*\.url$"], git_dir=reg.path, check=False
    )
    found = {}
    for line in out.splitlines():
        key, _, url = line.partition(" ")
        found[key[len("remote.") : -len(".url")]] = url
    return dict(sorted(found.items()))


def add_remote(name: str, url: str, registry: Registry | None = None) -> None:
    """Add remote ``name`` at ``url`` (a path, file://, ssh:// or http(s):// URL).

    >>> gitprompts.sync.add_remote("origin", "ssh://git@example.com/prompts.git")  # doctest: +SKIP
    """
    reg = _registry(registry)
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
    gitcli.run(["remote", "add", name, _url(url)], git_dir=reg.path)


def remove_remote(name: str, registry: Registry | None = None) -> None:
    """Forget remote ``name`` (its remote-tracking refs go too; nothing else changes).

    >>> gitprompts.sync.remove_remote("origin")  # doctest: +SKIP
    """
    reg = _registry(registry)
    known = remotes(reg)
    if name not in known:
        raise RemoteNotFoundError(name, list(known))
    gitcli.run(["remote", "remove", name], git_dir=reg.path)


def _url(url: str) -> str:
    """A local path is made absolute (git resolves it against the registry otherwise)."""
    if "://" in url or re.match(r"^[^/]+@[^/:]+:", url):
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


# -- clone -----------------------------------------------------------------------


def clone(
    url: str, path: str | os.PathLike[str] | None = None, progress: bool | None = None
) -> Registry:
    """Copy the registry at ``url`` into a new bare repository at ``path``; return it.

    Carries ``main``, every version tag and the models notes; ``origin``
    is set up so ``pull``/``push`` work with no argument. The copy appears
    at ``path`` only when complete.

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
        gitcli.run(["clone", "--mirror", *_progress(progress), source, str(temp)])
        gitcli.run(["config", "--unset", "remote.origin.mirror"], git_dir=temp)
        gitcli.run(
            ["config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"], git_dir=temp
        )
        gitcli.run(["symbolic-ref", "HEAD", MAIN], git_dir=temp)
        stray = gitcli.run(["for-each-ref", "--format=%(refname)", "refs/remotes/"], git_dir=temp)
        commands = "".join(f"delete {ref}\n" for ref in stray.split())
        for ref, tracking in (
            (MAIN, tracking_main("origin")),
            (MODELS_NOTES, tracking_notes("origin")),
        ):
            oid = gitcli.run(
                ["rev-parse", "--verify", "-q", ref], git_dir=temp, check=False
            ).strip()
            if oid:
                commands += f"update {tracking} {oid}\n"
        if commands:
            gitcli.run(["update-ref", "--stdin"], git_dir=temp, input=commands.encode())
    return Registry(target, create=False)


# -- pull ------------------------------------------------------------------------


def pull(
    remote: str | None = None, registry: Registry | None = None, progress: bool | None = None
) -> PullResult:
    """Bring the remote's new versions, aliases and model links into this registry.

    Unpublished local versions whose numbers the remote has taken meanwhile
    are renumbered after the remote's (their tags and aliases follow);
    published versions are never rewritten. An alias moved on both sides
    keeps the later move; the other is reported in ``conflicts``.

    >>> result = gitprompts.pull()           # doctest: +SKIP
    >>> result.renumbered                    # doctest: +SKIP
    {'prompts:/greet/3': 'prompts:/greet/4'}
    """
    reg = _registry(registry)
    name, url = _remote(reg, remote)
    git = reg._git  # the sync layer sits beside the registry, on the same backend
    from gitprompts.git import repo as gitbackend

    with reg.writer_lock():
        git.recover()
        local_main = git.ref(MAIN)
        old_tracking = git.ref(tracking_main(name))
        old_tracking_notes = git.ref(tracking_notes(name))
        side_refs = {
            tracking_main(name): old_tracking,
            tracking_notes(name): old_tracking_notes,
            "refs/heads/main": local_main,
            MODELS_NOTES: git.ref(MODELS_NOTES),
        }
        with gitcli.SideDir(reg.path, side_refs) as side:
            specs = [
                f"+refs/heads/main*:refs/remotes/{name}/main*",
                f"+{MODELS_NOTES}*:refs/remotes/{name}/notes/gitprompts-models*",
            ]
            _fetch(side, url, specs, progress)
            remote_main = side.ref(tracking_main(name))
            remote_notes = side.ref(tracking_notes(name))
            if remote_main is None:
                return PullResult(name, up_to_date=True)
            base = old_tracking
            if base is None or not git.is_ancestor(base, remote_main):
                base = gitbackend.merge_base(git, local_main, remote_main) if local_main else None
            wanted = _new_tags(reg, base, remote_main)
            wanted = [t for t in wanted if not _have_published(reg, t, remote_main)]
            remote_tags: dict[str, str] = {}
            if wanted:
                if len(wanted) > _MAX_NAMED_TAGS:
                    tag_specs = ["+refs/tags/prompts/*:refs/tags/prompts/*"]
                else:
                    tag_specs = [f"+{t}:{t}" for t in wanted]
                _fetch(side, url, tag_specs, progress)
                remote_tags = side.refs("refs/tags/prompts/")
        plan = rebase.integrate(reg, local_main, remote_main, remote_tags)
        updates = dict(plan.ref_updates)
        updates[tracking_main(name)] = (old_tracking, remote_main)
        if remote_notes is not None and remote_notes != old_tracking_notes:
            updates[tracking_notes(name)] = (old_tracking_notes, remote_notes)
        updates = {ref: change for ref, change in updates.items() if change[0] != change[1]}
        if updates:
            git.update_refs(updates, f"gitprompts pull {name}")
        rebase.carry_notes(reg, plan.rewritten)
        if remote_notes is not None:
            _merge_notes(reg, remote_notes)
        reg.forget_cache()
    fetched = sorted(
        f"prompts:/{ref[len('refs/tags/prompts/') :]}" for ref in remote_tags if ref in wanted
    )
    return PullResult(
        name,
        fetched=fetched,
        renumbered=plan.renumbered,
        conflicts=plan.conflicts,
        fast_forward=not plan.rewritten,
        up_to_date=not updates and not fetched,
    )


def _new_tags(reg: Registry, base: str | None, remote_main: str) -> list[str]:
    """Version tags written on ``remote_main`` since ``base``, read from the state files."""
    from gitprompts.git import repo as gitbackend

    git = reg._git
    wanted = []
    for path in gitbackend.changed_paths(git, base, remote_main, "state"):
        if not path.endswith(".json"):
            continue
        name = path[len("state/") : -len(".json")]
        old = rebase.state_at(reg, base, name).latest
        new = rebase.state_at(reg, remote_main, name).latest
        wanted += [tag_ref(name, n) for n in range(old + 1, new + 1)]
    return wanted


def _have_published(reg: Registry, ref: str, remote_main: str) -> bool:
    """True when the local tag is the remote's already (its commit is on the remote's main)."""
    git = reg._git
    found = git.peel_tag(ref)
    return found is not None and git.is_ancestor(found.commit, remote_main)


def _merge_notes(reg: Registry, remote_notes: str) -> None:
    """Union the remote's model links with ours, one model id per line (never overwrite)."""
    git = reg._git
    local = git.ref(MODELS_NOTES)
    if local is None:
        git.update_refs({MODELS_NOTES: (None, remote_notes)}, "gitprompts pull: notes")
        return
    if git.is_ancestor(remote_notes, local):
        return
    person = git.identity()
    env = {
        "GIT_AUTHOR_NAME": person.name,
        "GIT_AUTHOR_EMAIL": person.email,
        "GIT_COMMITTER_NAME": person.name,
        "GIT_COMMITTER_EMAIL": person.email,
    }
    gitcli.run(
        ["notes", f"--ref={MODELS_NOTES}", "merge", "-q", "-s", "cat_sort_uniq", remote_notes],
        git_dir=reg.path,
        env=env,
    )


# -- push ------------------------------------------------------------------------


def push(
    remote: str | None = None, registry: Registry | None = None, progress: bool | None = None
) -> PushResult:
    """Publish local versions, aliases and model links: all refs or none (``--atomic``).

    Raises ``PushRejectedError`` (``pull_first=True``) when the remote has
    versions or commits this registry has not pulled yet.

    >>> gitprompts.push()                    # doctest: +SKIP
    PushResult(remote='origin', refs=['refs/heads/main', 'refs/tags/prompts/greet/4'])
    """
    reg = _registry(registry)
    name, url = _remote(reg, remote)
    git = reg._git
    with reg.writer_lock():
        git.recover()
        local_main = git.ref(MAIN)
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
            for ref in _new_tags(reg, tracking, local_main):
                oid = git.ref(ref)
                if oid is not None:
                    refs[ref] = oid
        if notes is not None and notes != old_notes:
            refs[MODELS_NOTES] = notes
        if not refs:
            return PushResult(name)
        specs = [f"{ref}:{ref}" for ref in sorted(refs)]
        if glob:
            specs.append("refs/tags/prompts/*:refs/tags/prompts/*")
        args = ["push", "--atomic", "--porcelain", "--no-verify", "--no-follow-tags"]
        args += _progress(progress)
        side_refs: dict[str, str | None] = dict(refs)
        with gitcli.SideDir(reg.path, side_refs) as side:
            if glob:
                # A first push sends every tag: run it from the registry itself.
                code, out, err = gitcli.attempt(
                    ["--git-dir", str(reg.path), *args, url, *specs],
                    show_progress=_progress(progress) == ["--progress"],
                )
            else:
                code, out, err = gitcli.attempt(
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
        updates = {r: c for r, c in updates.items() if c[0] != c[1]}
        if updates:
            git.update_refs(updates, f"gitprompts push {name}")
    return PushResult(name, sorted(refs) + (["refs/tags/prompts/*"] if glob else []))


def _raise_rejected(remote: str, code: int, out: str, err: str, args: list[str]) -> None:
    rejected: dict[str, str] = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] == "!":
            ref = parts[1].rpartition(":")[2]
            rejected[ref] = parts[2].strip()
    if not rejected:
        from gitprompts.errors import GitCommandError

        raise GitCommandError([*args[:1], "(to " + remote + ")"], code, err or out)
    pull_first = any(marker in why for why in rejected.values() for marker in _PULL_FIRST)
    hook_lines = [
        line[len("remote: ") :].strip()
        for line in err.splitlines()
        if line.startswith("remote: ") and line[len("remote: ") :].strip()
    ]
    if hook_lines and not pull_first:
        first = next(iter(sorted(rejected)))
        rejected[first] += ": " + "; ".join(hook_lines)
    raise PushRejectedError(remote, rejected, pull_first)


def _fetch(side: gitcli.SideDir, url: str, refspecs: list[str], progress: bool | None) -> None:
    """``git fetch`` of exactly ``refspecs`` over protocol v2, so only they are advertised."""
    flags = _progress(progress)
    side.git(
        ["-c", "protocol.version=2", "fetch", *_FETCH_FLAGS, *flags, url, *refspecs],
        show_progress=flags == ["--progress"],
    )
