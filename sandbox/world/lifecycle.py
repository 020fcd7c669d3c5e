"""The one place where operations change state.

Timers (approval delays, expiries, time-outs) are planned on an
:class:`Agenda` and run, in time order, whenever someone looks
(:meth:`Lifecycle.settle`); customer decisions apply at once. Either way
every change goes through :meth:`Lifecycle.finish`, which sends the one
callback a final state earns. The rules of each operation live in its own
module (request_to_pay, transfer, pre_approval, invoice); this is their
shared machinery.

The world moves forward lazily: before answering anything the sandbox runs
every action whose instant has passed, in the order the instants fall. So a
transfer that fell due before a balance read has debited the account, however
the HTTP calls happened to be ordered, and a hand-driven test clock steps
through exactly the same states as real time.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

from momoflow.logging import get_logger
from sandbox.settings import SandboxSettings
from sandbox.world.callback_delivery import CallbackNotifier
from sandbox.world.ledger import Ledger
from sandbox.world.operations import Operation, OperationStatus
from sandbox.world.status_bodies import Renderer
from sandbox.world.store import SandboxStore

log = get_logger("sandbox.lifecycle")

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


class Lifecycle:
    def __init__(
        self,
        *,
        settings: SandboxSettings,
        store: SandboxStore,
        ledger: Ledger,
        notifier: CallbackNotifier,
        renderer: Renderer,
        clock: Callable[[], float],
    ) -> None:
        self.settings = settings
        self.store = store
        self.ledger = ledger
        self.notifier = notifier
        self.renderer = renderer
        self.clock = clock
        self._agenda = Agenda()

    def now(self) -> float:
        return self.clock()

    def settle(self) -> None:
        """Apply everything that has fallen due; call before reading any operation or balance."""
        self._agenda.run_due(self.clock())

    def plan(self, instant: float, action: Action, *affected: Operation) -> None:
        """Run ``action`` at ``instant``; if it may end an operation with a callback URL,
        keep a timer so that callback leaves on time even if nobody polls."""
        self._agenda.at(instant, action)

        def needed() -> bool:
            return any(operation.callback_url is not None and not operation.is_final for operation in affected)

        if needed():
            self.notifier.wake_at(instant, needed)

    def finish(
        self,
        operation: Operation,
        status: OperationStatus,
        at: float,
        reason: str | None = None,
        message: str | None = None,
    ) -> None:
        """Make ``operation`` final and send its callback (its status body at ``at``)."""
        operation.finish(status, at, reason, message)
        log.info(
            "operation_final",
            kind=operation.kind,
            reference_id=operation.reference_id,
            status=status.value,
            reason=reason,
        )
        if operation.callback_url is not None:
            body = self.renderer.body(operation, at)
            self.notifier.send(operation.reference_id, operation.callback_url, operation.callback_method, body)
            self.notifier.prune()
