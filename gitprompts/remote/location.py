"""Where things live: ``GITPROMPTS_HOME``, the default registry, and ``set_registry``.

Resolution order for the registry: ``set_registry(path)`` in this process,
then ``$GITPROMPTS_REGISTRY``, then ``$GITPROMPTS_HOME/registry.git``
(``~/.gitprompts/registry.git`` when ``GITPROMPTS_HOME`` is unset). Only
that default registry is created on first use: any other path must exist
(``gitprompts init PATH`` or ``get_registry(path, create=True)`` makes one),
so a mistyped path raises ``NotARegistryError`` instead of leaving a new,
empty registry behind.

>>> set_registry("/tmp/team-prompts.git")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gitprompts.registry import Registry

_chosen: str | None = None
_open: dict[str, Registry] = {}
_open_lock = threading.Lock()


def home() -> Path:
    """``$GITPROMPTS_HOME``, or ``~/.gitprompts``."""
    value = os.environ.get("GITPROMPTS_HOME")
    return Path(value).expanduser() if value else Path.home() / ".gitprompts"


# os.environ.get() encodes the key and decodes the value on every call (~2 µs
# each); load_prompt needs two variables per call, so on POSIX read the bytes
# mapping CPython keeps in step with os.environ (and with monkeypatch/putenv).
_RAW_ENV: dict[bytes, bytes] | None = (
    getattr(os.environ, "_data", None) if os.name == "posix" else None
)


def registry_location() -> str:
    """The registry this process uses, as the user gave it (a path or a URL)."""
    if _chosen is not None:
        return _chosen
    if _RAW_ENV is not None:
        explicit = _RAW_ENV.get(b"GITPROMPTS_REGISTRY")
        if explicit:
            return _decoded(explicit)
        return _default_location(_RAW_ENV.get(b"GITPROMPTS_HOME"))
    explicit_str = os.environ.get("GITPROMPTS_REGISTRY")
    if explicit_str:
        return explicit_str
    home_str = os.environ.get("GITPROMPTS_HOME")
    return _default_location(None if home_str is None else os.fsencode(home_str))


def _home_env() -> bytes | None:
    if _RAW_ENV is not None:
        return _RAW_ENV.get(b"GITPROMPTS_HOME")
    value = os.environ.get("GITPROMPTS_HOME")
    return None if value is None else os.fsencode(value)


@lru_cache(maxsize=8)
def _decoded(value: bytes) -> str:
    return os.fsdecode(value)


@lru_cache(maxsize=8)
def _default_location(home_env: bytes | None) -> str:
    # Keyed by the variable's value, so a changed GITPROMPTS_HOME is seen at once.
    return str(home() / "registry.git")


def set_registry(path: str | os.PathLike[str] | None) -> None:
    """Use the registry at ``path`` for the rest of this process (None: back to the default).

    >>> import gitprompts
    >>> gitprompts.set_registry("/srv/prompts.git")  # doctest: +SKIP
    """
    global _chosen
    _chosen = None if path is None else os.fspath(path)


def get_registry(
    location: str | os.PathLike[str] | None = None, *, create: bool | None = None
) -> Registry:
    """The ``Registry`` for ``location`` (default: the current one), opened once per process.

    A path that does not exist raises ``NotARegistryError`` unless it is the
    default registry (``$GITPROMPTS_HOME/registry.git``) or ``create=True``:

    >>> get_registry(tmp_path / "typo.git")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.NotARegistryError: no gitprompts registry at .../typo.git: ...
    >>> get_registry(tmp_path / "team.git", create=True).path.name
    'team.git'

    A URL (``is_url``) opens a local mirror under ``$GITPROMPTS_HOME/mirrors``
    that fetches on a miss and pushes every write.
    """
    key = os.fspath(location) if location is not None else registry_location()
    # Hot path of every load_prompt: a dict hit, no path arithmetic or stat.
    registry = _open.get(key)
    if registry is not None:
        return registry
    if create is None:
        create = key == _default_location(_home_env())
    # Imported here, not at the top: opening a registry is what pays for
    # pygit2, so ``gitprompts --help`` and ``set_registry`` never do; the
    # sync machinery (subprocess, rebase) only for a URL.
    from gitprompts.core.urls import is_url
    from gitprompts.registry import Registry

    with _open_lock:
        registry = _open.get(key)
        if registry is None:
            if is_url(key):
                from gitprompts.remote.mirror import mirror_path, open_mirror

                registry = open_mirror(key, mirror_path(home(), key))
            else:
                registry = Registry(key, create=create)
            _open[key] = registry
        return registry


def forget_registries() -> None:
    """Drop every open registry handle (tests call this between cases)."""
    global _chosen
    with _open_lock:
        _open.clear()
    _chosen = None
