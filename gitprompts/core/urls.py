"""The one rule for "is this location a URL", as git reads remote locations.

``GITPROMPTS_REGISTRY``, a remote and a clone source are each a local path
or a URL; everything that must tell them apart asks here.
"""

from __future__ import annotations

import re

__all__ = ["is_url", "without_password"]

# git's scp-like syntax: [user@]host:path, with no slash before the colon.
_SCP_LIKE = re.compile(r"^(?:[^/@:]+@)?[^/:]+:(?!//)")


def is_url(location: str) -> bool:
    """True when git would read ``location`` as a remote URL rather than a local path.

    The one rule for "is this a URL": ``scheme://...`` or git's scp-like
    ``[user@]host:path``; a relative or absolute path is never a URL.

    >>> [is_url(x) for x in ("https://h/p.git", "git@h:team/p.git", "/srv/p.git", "p.git")]
    [True, True, False, False]
    """
    return "://" in location or bool(_SCP_LIKE.match(location))


_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)([^/@]*)@", re.IGNORECASE)


def without_password(url: str) -> str:
    """``url`` with its password (user:password@) masked, for anything printed.

    >>> without_password("https://alice:s3cret@example.com/p.git")
    'https://alice:***@example.com/p.git'
    >>> without_password("https://example.com/p.git")
    'https://example.com/p.git'
    """
    match = _USERINFO.match(url)
    if match is None or ":" not in match.group(2):
        return url
    user = match.group(2).partition(":")[0]
    return f"{match.group(1)}{user}:***@{url[match.end() :]}"
