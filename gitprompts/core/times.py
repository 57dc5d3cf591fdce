"""Times as gitprompts writes and shows them: ISO 8601 in UTC for machines, minutes for people.

An instant is either milliseconds since the epoch (how a prompt version's
``creation_timestamp`` and a run's ``start_time`` count, as in MLflow) or ISO
8601 text (how a model manifest's ``created_at`` is stored). ``0``, ``""``
and ``None`` mean "not known" and format as ``None``: the caller decides
what an unknown time looks like (``-`` in a table, nothing on a page).

>>> iso_utc(1700000000000), iso_utc("2023-11-14T23:13:20+01:00")
('2023-11-14T22:13:20Z', '2023-11-14T22:13:20Z')
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

Instant = int | str | None


def now_iso() -> str:
    """Now, in UTC to the second, as a model manifest's ``created_at`` stores it.

    >>> stamp = now_iso()   # e.g. '2025-01-31T09:30:00+00:00'
    >>> len(stamp), stamp.endswith("+00:00"), iso_utc(stamp) == stamp[:19] + "Z"
    (25, True, True)
    """
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def iso_utc(instant: Instant) -> str | None:
    """ISO 8601 in UTC to the second with a ``Z``, as the CLI's ``--json`` output has it.

    >>> iso_utc(1700000000123)
    '2023-11-14T22:13:20Z'
    >>> iso_utc("2023-11-14T22:13:20Z"), iso_utc(0), iso_utc("")
    ('2023-11-14T22:13:20Z', None, None)
    """
    moment = _utc(instant)
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_minute(instant: Instant) -> str | None:
    """``YYYY-MM-DD HH:MM UTC``, as the web UI shows times (it cannot know the reader's zone).

    >>> utc_minute(1700000000000), utc_minute("2023-11-14T22:13:20+00:00")
    ('2023-11-14 22:13 UTC', '2023-11-14 22:13 UTC')
    >>> utc_minute(None) is None
    True
    """
    moment = _utc(instant)
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def local_minute(instant: Instant) -> str | None:
    """``YYYY-MM-DD HH:MM`` in this machine's time zone, as the CLI shows times to people.

    >>> import time
    >>> local_minute(1700000000000) == time.strftime("%Y-%m-%d %H:%M", time.localtime(1700000000))
    True
    >>> local_minute(0) is None
    True
    """
    if isinstance(instant, int) and instant > 0:
        # ~10x faster than through datetime; a 10,000-prompt list shows one per row.
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(instant / 1000))
    moment = _utc(instant)
    return None if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _utc(instant: Instant) -> datetime | None:
    if not instant:
        return None
    if isinstance(instant, str):
        # Python < 3.11 does not read "Z"; text without an offset is local time.
        text = instant[:-1] + "+00:00" if instant.endswith("Z") else instant
        return datetime.fromisoformat(text).astimezone(timezone.utc)
    return datetime.fromtimestamp(instant / 1000, timezone.utc)
