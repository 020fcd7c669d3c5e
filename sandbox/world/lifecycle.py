"""The one place where operations change state.

Timers (approval delays, expiries, time-outs) are planned on an
:class:`~sandbox.agenda.Agenda` and run, in time order, whenever someone
looks (:meth:`Lifecycle.settle`); customer decisions apply at once. Either
way every change goes through :meth:`Lifecycle.finish`, which sends the one
callback a final state earns. The per-product rules live in the ``*_flow``
modules; this is their shared machinery.
"""

from __future__ import annotations

from collections.abc import Callable

from momoflow.logging import get_logger
from sandbox.agenda import Action, Agenda
from sandbox.settings import SandboxSettings
from sandbox.world.callback_delivery import CallbackNotifier
from sandbox.world.ledger import Ledger
from sandbox.world.operations import Operation
from sandbox.world.status_bodies import Renderer
from sandbox.world.store import SandboxStore
from sandbox.world.test_numbers import PaymentStatus

log = get_logger("sandbox.lifecycle")


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
        status: PaymentStatus,
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
