"""Push, pull and clone a registry with any git remote (path, file://, ssh://, http(s)://).

Every function works on the current registry unless given another
(``registry=``); the engine is ``gitprompts.remote.transfer``.

>>> import gitprompts
>>> gitprompts.pull()            # doctest: +SKIP
PullResult(remote='origin', fetched=['prompts:/greet/3'], renumbered={}, ...)
>>> gitprompts.push()            # doctest: +SKIP
PushResult(remote='origin', refs=['refs/heads/main', 'refs/tags/prompts/greet/4'])
"""

from __future__ import annotations

from gitprompts.models.stores import location, transfers
from gitprompts.models.stores.location import Shared
from gitprompts.models.stores.transfers import Sent
from gitprompts.registry import Registry
from gitprompts.remote import transfer
from gitprompts.remote.location import get_registry
from gitprompts.remote.transfer import PullResult, PushResult, clone, login

__all__ = [
    "PullResult",
    "PushResult",
    "Sent",
    "Shared",
    "add_remote",
    "artifact_store",
    "clone",
    "login",
    "pull",
    "push",
    "remotes",
    "remove_remote",
    "set_artifact_store",
    "upload_models",
]


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
    return transfer.pull(registry or get_registry(), remote, progress)


def push(
    remote: str | None = None, registry: Registry | None = None, progress: bool | None = None
) -> PushResult:
    """Publish local versions, aliases and model links: all refs or none (``--atomic``).

    Raises ``PushRejectedError`` (``pull_first=True``) when the remote has
    versions or commits this registry has not pulled yet. With a shared
    artifact store (``gitprompts artifacts``), every model the registry links
    is uploaded there first (only those it lacks), so a remote never links a
    model nobody can fetch.

    >>> gitprompts.push()                    # doctest: +SKIP
    PushResult(remote='origin', refs=['refs/heads/main', 'refs/tags/prompts/greet/4'])
    """
    registry = registry or get_registry()
    upload_models(registry)
    return transfer.push(registry, remote, progress)


def remotes(registry: Registry | None = None) -> dict[str, str]:
    """The registry's remotes: ``{name: url}``.

    >>> gitprompts.sync.remotes()            # doctest: +SKIP
    {'origin': 'ssh://git@example.com/team/prompts.git'}
    """
    return transfer.remotes(registry or get_registry())


def add_remote(name: str, url: str, registry: Registry | None = None) -> None:
    """Add remote ``name`` at ``url`` (a path, file://, ssh:// or http(s):// URL).

    >>> gitprompts.sync.add_remote("origin", "ssh://git@example.com/prompts.git")  # doctest: +SKIP
    """
    transfer.add_remote(registry or get_registry(), name, url)


def remove_remote(name: str, registry: Registry | None = None) -> None:
    """Forget remote ``name`` (its remote-tracking refs go too; nothing else changes).

    >>> gitprompts.sync.remove_remote("origin")  # doctest: +SKIP
    """
    transfer.remove_remote(registry or get_registry(), name)


def artifact_store(registry: Registry | None = None) -> Shared:
    """The shared artifact store models travel through, and where that was configured.

    ``source`` is ``"GITPROMPTS_ARTIFACTS"`` (the environment, which wins),
    ``"registry"`` (``set_artifact_store``), ``"serve"`` (the ``gitprompts
    serve`` the registry was cloned from) or ``"none"``.

    >>> gitprompts.sync.artifact_store()     # doctest: +SKIP
    Shared(url='s3://team-models/prod', source='registry')
    """
    return location.shared_url(registry or get_registry())


def set_artifact_store(url: str | None, registry: Registry | None = None) -> bool:
    """Record ``url`` (``s3://``, ``gs://``, ``az://``, a serve's ``http(s)://HOST/artifacts``)
    as the registry's shared store, committed on ``main`` so every clone uses it after
    ``push``/``pull``; None removes it. True if ``main`` moved.

    >>> gitprompts.sync.set_artifact_store("s3://team-models/prod")   # doctest: +SKIP
    True
    """
    return location.write_setting(registry or get_registry(), url)


def upload_models(registry: Registry | None = None) -> Sent:
    """Upload every model the registry links that the shared store lacks (``push`` does this).

    >>> gitprompts.sync.upload_models()      # doctest: +SKIP
    Sent(objects=0, bytes=0, models=[])
    """
    return transfers.ensure_pushed(registry or get_registry())
