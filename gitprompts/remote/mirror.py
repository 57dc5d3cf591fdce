"""A registry given as a URL: a local mirror under ``$GITPROMPTS_HOME/mirrors``.

``GITPROMPTS_REGISTRY=ssh://git@example.com/team/prompts.git`` (or https://,
file://) clones the registry once into ``mirrors/<hash>.git``. Then:

- load by number reads the mirror (versions never change) and pulls only
  when the number is not there yet: the warm path runs no subprocess;
- ``@alias`` / ``@latest`` pull at most every ``GITPROMPTS_REFRESH_SECONDS``
  (default 60) per process; when the remote cannot be reached the mirror
  answers, with a ``RemoteUnreachableWarning``;
- writes go to the mirror and are pushed at once.

>>> gitprompts.set_registry("https://git.example.com/team/prompts.git")  # doctest: +SKIP
>>> gitprompts.load_prompt("prompts:/greet@production")                  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from pathlib import Path
from typing import Any

from gitprompts.core.prompt import PromptVersion
from gitprompts.core.uri import PromptRef
from gitprompts.errors import NotFoundError, RemoteUnreachableWarning, SyncError
from gitprompts.registry.registry import Registry


def is_url(location: str) -> bool:
    return "://" in location


def mirror_path(home: Path, url: str) -> Path:
    return home / "mirrors" / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".git")


class MirrorRegistry(Registry):
    """A ``Registry`` on a local mirror of ``url``, refreshed from it as described above."""

    def __init__(self, url: str, path: Path) -> None:
        from gitprompts.remote import transfer as sync

        if not (path / "HEAD").exists():
            sync.clone(url, path, progress=False)
        super().__init__(path, create=False)
        self.url = url
        self._pulled_at = float("-inf")

    def __repr__(self) -> str:
        return f"MirrorRegistry({self.url!r}, {str(self.path)!r})"

    def refresh(self, *, force: bool = False) -> bool:
        """Pull from the remote unless that was done less than the refresh interval ago."""
        from gitprompts.remote import transfer as sync

        interval = float(os.environ.get("GITPROMPTS_REFRESH_SECONDS", "60"))
        now = time.monotonic()
        if not force and now - self._pulled_at < interval:
            return False
        self._pulled_at = now
        try:
            sync.pull(registry=self, progress=False)
        except SyncError as exc:
            warnings.warn(
                RemoteUnreachableWarning(
                    f"cannot reach {self.url} ({exc}); answering from the local mirror "
                    f"{self.path}, which may be out of date"
                ),
                stacklevel=3,
            )
            return False
        return True

    def _get(self, name: str, number: int) -> PromptVersion:
        try:
            return super()._get(name, number)
        except NotFoundError:
            # A version number never changes meaning, so only a miss needs the network.
            if not self.refresh(force=True):
                raise
            return super()._get(name, number)

    def resolve(self, ref: PromptRef) -> PromptVersion:
        if ref.version is None:
            self.refresh()
        return super().resolve(ref)

    def _pushed(self, result: Any) -> Any:
        from gitprompts.remote import transfer as sync

        sync.push(registry=self, progress=False)
        return result

    def register(self, *args: Any, **kwargs: Any) -> PromptVersion:
        return self._pushed(super().register(*args, **kwargs))  # type: ignore[no-any-return]

    def set_alias(self, name: str, alias: str, version: object) -> None:
        self._pushed(super().set_alias(name, alias, version))

    def delete_alias(self, name: str, alias: str) -> None:
        self._pushed(super().delete_alias(name, alias))

    def delete_version(self, name: str, version: object) -> None:
        self._pushed(super().delete_version(name, version))

    def set_version_tag(self, name: str, version: object, key: str, value: object) -> None:
        self._pushed(super().set_version_tag(name, version, key, value))

    def delete_version_tag(self, name: str, version: object, key: str) -> None:
        self._pushed(super().delete_version_tag(name, version, key))
