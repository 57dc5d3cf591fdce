"""``gitprompts.core.times``: the one place times are written and formatted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from gitprompts.core.times import iso_utc, local_minute, now_iso, utc_minute

MILLIS = 1700000000123  # 2023-11-14T22:13:20.123Z


@pytest.fixture
def kolkata(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A local zone with a half-hour offset, so local and UTC minutes differ."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_unknown_times_format_as_none() -> None:
    for unknown in (None, 0, ""):
        assert iso_utc(unknown) is None
        assert utc_minute(unknown) is None
        assert local_minute(unknown) is None


def test_milliseconds_and_iso_text_give_the_same_instant() -> None:
    for instant in (MILLIS, "2023-11-14T22:13:20+00:00", "2023-11-15T03:43:20.5+05:30"):
        assert iso_utc(instant) == "2023-11-14T22:13:20Z"
        assert utc_minute(instant) == "2023-11-14 22:13 UTC"


def test_iso_utc_reads_its_own_output() -> None:
    assert iso_utc("2023-11-14T22:13:20Z") == "2023-11-14T22:13:20Z"


def test_local_minute_uses_the_local_zone(kolkata: None) -> None:
    assert local_minute(MILLIS) == "2023-11-15 03:43"
    assert local_minute("2023-11-14T22:13:20+00:00") == "2023-11-15 03:43"
    # Text without an offset is already local time.
    assert local_minute("2023-11-15T03:43:20") == "2023-11-15 03:43"
    assert iso_utc("2023-11-15T03:43:20") == "2023-11-14T22:13:20Z"


def test_now_iso_is_utc_to_the_second() -> None:
    stamp = now_iso()
    parsed = datetime.fromisoformat(stamp)
    assert parsed.utcoffset() == timedelta(0) and parsed.microsecond == 0
    assert abs(datetime.now(timezone.utc) - parsed) < timedelta(minutes=1)
