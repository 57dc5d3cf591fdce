"""Push, pull and clone a registry with any git remote (path, file://, ssh://, http(s)://).

The engine lives in ``gitprompts.remote.transfer``; this is its public face.

>>> import gitprompts
>>> gitprompts.pull()            # doctest: +SKIP
PullResult(remote='origin', fetched=['prompts:/greet/3'], renumbered={}, ...)
>>> gitprompts.push()            # doctest: +SKIP
"""

from __future__ import annotations

from gitprompts.remote.transfer import (
    PullResult,
    PushResult,
    add_remote,
    clone,
    pull,
    push,
    remotes,
    remove_remote,
)

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
