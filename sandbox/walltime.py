"""Calendar time for the bodies that carry dates (expiries, creation times).

Timelines run on a monotonic clock, which may be a hand-driven one in tests.
Anchoring the calendar to that clock once means an expiry computed as
"creation + validity" stays exact, and moves forward when a test advances
the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class WallClock:
    """Maps sandbox instants (monotonic seconds) to UTC date-times."""

    def __init__(self, clock: Callable[[], float], origin: datetime | None = None) -> None:
        self._instant0 = clock()
        self._wall0 = origin or datetime.now(UTC)

    def at(self, instant: float) -> datetime:
        return self._wall0 + timedelta(seconds=instant - self._instant0)


def mtn_datetime(moment: datetime) -> str:
    """``2024-11-10T17:36:25.698``: UTC, milliseconds, no zone suffix, as MTN writes expiries."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
