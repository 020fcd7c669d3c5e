"""Things due to happen at a given instant, run in time order when someone looks.

The sandbox moves its world forward lazily: before answering anything it runs
every action whose instant has passed, in the order the instants fall. So a
transfer that fell due before a balance read has debited the account, however
the HTTP calls happened to be ordered, and a hand-driven test clock steps
through exactly the same states as real time.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

Action = Callable[[float], None]


class Agenda:
    """A heap of (instant, action); each action is told its own instant, not "now",
    so its effects carry the time they really happened."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Action]] = []
        self._order = itertools.count()  # equal instants run in the order they were planned

    def __len__(self) -> int:
        return len(self._heap)

    def at(self, instant: float, action: Action) -> None:
        heapq.heappush(self._heap, (instant, next(self._order), action))

    def run_due(self, now: float) -> int:
        """Run every action due at or before ``now``; returns how many ran."""
        ran = 0
        while self._heap and self._heap[0][0] <= now:
            instant, _, action = heapq.heappop(self._heap)
            action(instant)
            ran += 1
        return ran
