"""Which shared artifact store this process uses, and the registry's own setting.

In order: ``$GITPROMPTS_ARTIFACTS`` (a URL is the shared store; a local path
means "this directory, no shared store"), then the registry's committed
setting (``artifacts.json`` on ``main``, written by ``gitprompts artifacts
set URL``), then, for a registry cloned from (or given as) a ``gitprompts
serve`` URL ``<base>/git/registry.git``, that server's ``<base>/artifacts``.
With none of them, models stay on this machine as before.

Nothing here creates a registry just to look (a fresh home has none).

>>> shared_url()
Shared(url=None, source='none')
>>> os.environ["GITPROMPTS_ARTIFACTS"] = "s3://team-models/prod"
>>> shared_url()
Shared(url='s3://team-models/prod', source='GITPROMPTS_ARTIFACTS')
>>> del os.environ["GITPROMPTS_ARTIFACTS"]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from gitprompts.core import artifacts
from gitprompts.core.layout import ARTIFACTS_FILE, MAIN, SERVE_ARTIFACTS_PATH, SERVE_GIT_PATH
from gitprompts.core.urls import is_url
from gitprompts.errors import GitPromptsError, InvalidInputError
from gitprompts.git import command
from gitprompts.git.repo import GitRepo
from gitprompts.models.stores import ArtifactStore, open_store
from gitprompts.registry import Registry
from gitprompts.remote.location import get_registry, registry_location

ENV = "GITPROMPTS_ARTIFACTS"


class Shared(NamedTuple):
    url: str | None
    source: str  # "GITPROMPTS_ARTIFACTS", "registry", "serve", "none"


# (registry path, config mtime) -> origin URL: reading it is a git process (~2 ms).
_origins: dict[tuple[str, int], str | None] = {}
# (registry path, main) -> the setting's URL; a setting is one commit's file.
_settings: dict[tuple[str, str], str | None] = {}
_repos: dict[str, GitRepo] = {}


def serve_store_url(git_url: str) -> str | None:
    """The artifact endpoint of the ``gitprompts serve`` that serves ``git_url``, if it is one.

    >>> serve_store_url("http://127.0.0.1:5000/git/registry.git")
    'http://127.0.0.1:5000/artifacts'
    >>> serve_store_url("ssh://git@example.com/prompts.git") is None
    True
    """
    lower = git_url.lower()
    if not lower.startswith(("http://", "https://")):
        return None
    base = git_url.rstrip("/")
    for suffix in (SERVE_GIT_PATH, SERVE_GIT_PATH.removesuffix(".git")):
        if base.endswith(suffix):
            return base[: -len(suffix)] + SERVE_ARTIFACTS_PATH
    return None


def read_setting(registry: Registry) -> str | None:
    """The URL in the registry's ``artifacts.json`` on ``main``, or None.

    >>> read_setting(get_registry()) is None
    True
    """
    git = _repo(registry.path)
    main = git.ref(MAIN)
    if main is None:
        return None
    key = (str(registry.path), main)
    if key not in _settings:
        blob = git.blob_at(main, ARTIFACTS_FILE)
        if blob is None:
            found = None
        elif git.blob_size(blob) > artifacts.MAX_BYTES:
            data = b"x" * (artifacts.MAX_BYTES + 1)  # refused by the decoder, never read
            found = artifacts.decode(data, ARTIFACTS_FILE).url
        else:
            found = artifacts.decode(git.read_blob(blob), ARTIFACTS_FILE).url
        _settings[key] = found
    return _settings[key]


def _repo(path: Path) -> GitRepo:
    # Opening a repository costs ~0.3 ms; log_model asks once per model.
    repo = _repos.get(str(path))
    if repo is None:
        repo = _repos[str(path)] = GitRepo(path)
    return repo


def write_setting(registry: Registry, url: str | None) -> bool:
    """Commit ``url`` as the registry's shared store (None removes it); True if main moved.

    >>> write_setting(get_registry(), "s3://team-models/prod")
    True
    >>> read_setting(get_registry())
    's3://team-models/prod'
    """
    changes: dict[str, bytes | None]
    if url is None:
        message = "Forget the shared artifact store"
        changes = {ARTIFACTS_FILE: None}
    else:
        if artifacts.kind(url) != "url":  # an unknown scheme is refused by name
            raise InvalidInputError(
                f"artifact store {url!r}: a registry's setting must be a URL every clone "
                f"can reach ({', '.join(s + '://' for s in artifacts.SCHEMES)}); "
                f"a local path is for {ENV} on one machine"
            )
        setting = artifacts.ArtifactsSetting(url=url)
        changes = {ARTIFACTS_FILE: artifacts.encode(setting)}
        message = f"Share models through {url}"
    with registry.transaction() as txn:
        if txn.main is not None:
            current = txn.git.blob_at(txn.main, ARTIFACTS_FILE)
            if url is None and current is None:
                return False
            wanted = changes[ARTIFACTS_FILE]
            if wanted is not None and current == txn.git.blob_id(wanted):
                return False
        elif url is None:
            return False
        commit = txn.write_commit(changes, message)
        txn.update_refs({MAIN: (txn.main, commit)}, message)
    return True


def _origin(registry: Registry) -> str | None:
    config = registry.path / "config"
    try:
        key = (str(registry.path), config.stat().st_mtime_ns)
    except OSError:
        return None
    if key not in _origins:
        out = command.run(
            ["config", "--get", "remote.origin.url"], git_dir=registry.path, check=False
        )
        _origins[key] = out.strip() or None
    return _origins[key]


def _existing_registry() -> Registry | None:
    """The registry in use if it exists (a URL registry's mirror is opened as usual)."""
    location = registry_location()
    if not is_url(location) and not os.path.exists(os.path.join(location, "HEAD")):
        return None
    try:
        return get_registry()
    except GitPromptsError:
        return None


def shared_url(registry: Registry | None = None) -> Shared:
    """The shared store's URL and where it was configured (``url=None``: none).

    An unsupported ``GITPROMPTS_ARTIFACTS`` URL raises
    ``UnsupportedArtifactStoreError`` naming it.
    """
    value = os.environ.get(ENV, "")
    if value:
        if artifacts.kind(value) == "url":
            return Shared(value, ENV)
        return Shared(None, "none")
    if registry is None:
        registry = _existing_registry()
        location = registry_location()
        if is_url(location):
            served = serve_store_url(location)
            found = read_setting(registry) if registry is not None else None
            if found:
                return Shared(found, "registry")
            if served:
                return Shared(served, "serve")
    if registry is None:
        return Shared(None, "none")
    found = read_setting(registry)
    if found:
        return Shared(found, "registry")
    origin = _origin(registry)
    served = serve_store_url(origin) if origin else None
    if served:
        return Shared(served, "serve")
    return Shared(None, "none")


def shared_store(registry: Registry | None = None) -> ArtifactStore | None:
    """The shared store this process uploads to and fetches from, or None."""
    url = shared_url(registry).url
    return open_store(url) if url else None


__all__ = [
    "ENV",
    "Shared",
    "read_setting",
    "serve_store_url",
    "shared_store",
    "shared_url",
    "write_setting",
]
