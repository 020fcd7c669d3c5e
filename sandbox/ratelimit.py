"""A per-caller limit over a rolling one-second window.

MTN caps status GETs at about ten per second per credential; a client that
polls harder must cope with 429. A rolling window (not a fixed tick) lets a
test produce the 429 deterministically with a burst.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

WINDOW_S = 1.0


class RollingWindowLimiter:
    """Admits at most ``max(1, floor(limit_per_s))`` calls per key in any one-second window.

    Refused calls are not recorded, so a caller that backs off for a second
    always gets through again.
    """

    def __init__(self, limit_per_s: float, clock: Callable[[], float]) -> None:
        self._capacity = max(1, math.floor(limit_per_s))
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = self._clock()
        calls = self._calls.setdefault(key, deque())
        while calls and calls[0] <= now - WINDOW_S:
            calls.popleft()
        if len(calls) >= self._capacity:
            return False
        calls.append(now)
        return True
