"""A registry given as a URL: a local mirror under ``$GITPROMPTS_HOME/mirrors``.

``GITPROMPTS_REGISTRY=ssh://git@example.com/team/prompts.git`` (or https://,
file://) clones the registry once into ``mirrors/<hash>.git``. Then:

- load by number reads the mirror (versions never change) and pulls only
  when the number is not there yet: the warm path runs no subprocess;
- ``@alias`` / ``@latest`` pull at most every ``GITPROMPTS_REFRESH_SECONDS``
  (default 60) per process; when the remote cannot be reached the mirror
  answers, with a ``RemoteUnreachableWarning``;
- writes go to the mirror and are pushed at once: the registry calls
  ``Mirror.after_write`` at the end of every write transaction, so no write
  (a new version, an alias, a model link) can miss the remote.

>>> gitprompts.set_registry("https://git.example.com/team/prompts.git")  # doctest: +SKIP
>>> gitprompts.load_prompt("prompts:/greet@production")                  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from pathlib import Path

from gitprompts.errors import RemoteUnreachableWarning, SyncError
from gitprompts.registry import Registry
from gitprompts.remote import transfer


def mirror_path(home: Path, url: str) -> Path:
    """Where the mirror of ``url`` lives under ``home``: one directory per URL."""
    return home / "mirrors" / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".git")


def open_mirror(url: str, path: Path) -> Registry:
    """The registry at ``path`` mirroring ``url`` (cloned on first use)."""
    if not (path / "HEAD").exists():
        transfer.clone(url, path, progress=False)
    return Registry(path, create=False, upstream=Mirror(url))


class Mirror:
    """The remote a URL registry mirrors: the registry's ``Upstream``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pulled_at = float("-inf")

    def __repr__(self) -> str:
        return f"Mirror({self.url!r})"

    def refresh(self, registry: Registry, *, force: bool = False) -> bool:
        """Pull from the remote unless that was done less than the refresh interval ago."""
        interval = float(os.environ.get("GITPROMPTS_REFRESH_SECONDS", "60"))
        now = time.monotonic()
        if not force and now - self._pulled_at < interval:
            return False
        self._pulled_at = now
        try:
            transfer.pull(registry, progress=False)
        except SyncError as exc:
            warnings.warn(
                RemoteUnreachableWarning(
                    f"cannot reach {self.url} ({exc}); answering from the local mirror "
                    f"{registry.path}, which may be out of date"
                ),
                stacklevel=3,
            )
            return False
        return True

    def after_write(self, registry: Registry) -> None:
        """Push what the registry just wrote (a refused push raises; nothing is lost locally)."""
        transfer.push(registry, progress=False)
