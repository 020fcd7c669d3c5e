"""After an operator resolves an UNKNOWN operation, keep asking MoMo and say when it disagrees.

An operator decides without MoMo's word (a support ticket, a phone call). The
customer may still approve afterwards, and MoMo then moves the money while
momoflow says FAILED. So the workflow does not close at the resolution: the
``resolve`` update answers at once with the resolved state, and the workflow
keeps checking MoMo on the reconciliation schedule until MoMo gives a final
status or the reconciliation's maximum age (counted from when the operation
became UNKNOWN) ends. ``status`` stays the operator's decision, since callers
may already have acted on it; MoMo's answer is recorded beside it:

- agrees: ``resolution_check = CONFIRMED``;
- differs: ``resolution_check = CONTRADICTED``, ``discrepancy`` holds MoMo's
  status, reason, financial transaction id and when it was seen, the
  ``MomoDiscrepancy`` search attribute holds MoMo's status, the
  ``momoflow_resolution_discrepancies_total`` counter goes up, an error is
  logged and, when webhooks are on, a ``payment.discrepancy`` event tells the
  merchant who acted on ``payment.resolved``: someone must reverse or complete
  the business side;
- no final answer in time: ``resolution_check = NO_ANSWER``.

The workflow's result is the state at that moment, discrepancy included.
Runs started before this behaviour replay without it (patch ``verify-resolution``).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from momoflow import search_attributes as sa
    from momoflow.contract import ProviderStatus, StatusCheck, Steps
    from momoflow.models import PaymentState, PaymentStatus, PaymentTiming, ProviderAnswer, ResolutionCheck

from workflows import observability, patches, webhook_events

if TYPE_CHECKING:
    from pydantic import BaseModel

# Patch id: the workflow stays open after a resolution and checks it against MoMo.
VERIFY_RESOLUTION = "verify-resolution"
_ONE_CALL = timedelta(seconds=30)
# Stop this close to the end: no retry is scheduled past an activity's deadline anyway.
_MARGIN = timedelta(seconds=1)


class ResolutionFollowUp:
    """Mixed into :class:`workflows.payment_pattern.PaymentPattern`; uses its state and helpers."""

    if TYPE_CHECKING:
        # What the mixin uses of PaymentPattern, declared for the type checker only.
        steps: ClassVar[Steps]
        _state: PaymentState
        _timing: PaymentTiming
        _nudges: int
        _webhooks: tuple[bool, BaseModel | None]

        async def _check_now(
            self, reference_id: str | None = None, after_callback: bool = False
        ) -> ProviderStatus | None: ...

        async def _announce(self, event_type: str) -> None: ...

        def _status_queue(self) -> str: ...

        def _log_fields(self) -> dict[str, object]: ...

        @staticmethod
        def _until(moment: datetime, cap: timedelta | None = None) -> timedelta: ...

    def _reconciliation_end(self) -> datetime:
        """When reconciliation gives up: its maximum age after the operation became UNKNOWN."""
        became_unknown = next(
            (change.at for change in reversed(self._state.history) if change.status is PaymentStatus.UNKNOWN),
            workflow.now(),
        )
        return became_unknown + timedelta(seconds=self._timing.reconcile_max_age_s)

    async def _resolution_applied(self) -> None:
        """The ``resolve`` update waits here, so the operator gets the resolved state back
        (or MoMo's own final answer, had it come in the same instant)."""
        await workflow.wait_condition(lambda: self._state.resolved_by is not None or self._state.is_final)

    async def _verify_resolution(self) -> None:
        """Ask MoMo until it answers or reconciliation ends; record whether it agrees."""
        state = self._state
        state.resolution_check = ResolutionCheck.CHECKING
        observability.show(state)
        answer = await self._ask_until_final(self._reconciliation_end())
        if answer is None:
            state.resolution_check = ResolutionCheck.NO_ANSWER
            observability.show(state)
            workflow.logger.warning("MoMo never confirmed the operator's resolution", extra=self._log_fields())
            observability.resolution_checked(state.resolution_check.value)
            return
        seen = ProviderAnswer(
            status=PaymentStatus(answer.status),
            reason=answer.reason,
            financial_transaction_id=answer.financial_transaction_id,
            seen_at=workflow.now(),
        )
        state.provider_answer = seen
        if seen.status is state.status:
            state.resolution_check = ResolutionCheck.CONFIRMED
            workflow.logger.info("MoMo confirms the operator's resolution", extra=self._log_fields())
        else:
            state.resolution_check = ResolutionCheck.CONTRADICTED
            state.discrepancy = seen
            workflow.upsert_search_attributes([sa.DISCREPANCY.value_set(seen.status.value)])
            observability.resolution_discrepancy(state.status.value, seen.status.value)
            workflow.logger.error(
                "MoMo contradicts the operator's resolution: reverse or complete the business side",
                extra={
                    **self._log_fields(),
                    "resolved_by": state.resolved_by,
                    "provider_status": seen.status.value,
                    "provider_reason": seen.reason,
                    "financial_transaction_id": seen.financial_transaction_id,
                },
            )
            if self._webhooks[0] and patches.patched(webhook_events.DISCREPANCY_EVENTS):
                await self._announce(webhook_events.DISCREPANCY)
        observability.show(state)
        observability.resolution_checked(state.resolution_check.value)

    async def _ask_until_final(self, until: datetime) -> ProviderStatus | None:
        """Poll on the reconciliation schedule (one retried activity); a callback makes it ask now."""
        timing = self._timing
        retry = RetryPolicy(
            initial_interval=timedelta(seconds=timing.reconcile_initial_interval_s),
            backoff_coefficient=2.0,
            maximum_interval=timedelta(seconds=timing.reconcile_max_interval_s),
        )
        check = StatusCheck(reference_id=self._state.reference_id)
        while True:
            remaining = self._until(until)
            if remaining <= _MARGIN:
                return None
            seen = self._nudges
            poll = workflow.start_activity(
                self.steps.await_final,
                check,
                result_type=ProviderStatus,
                start_to_close_timeout=_ONE_CALL,
                schedule_to_close_timeout=remaining,
                retry_policy=retry,
                task_queue=self._status_queue(),
            )
            await workflow.wait_condition(lambda: poll.done() or self._nudges > seen)  # noqa: B023 (awaited in this iteration)
            if poll.done():
                try:
                    final: ProviderStatus = poll.result()
                except ActivityError:
                    # No retry is scheduled past the activity's deadline: ask once more at the end.
                    return await self._last_ask(until)
                self._state.status_checks += 1
                self._state.details.update(final.details)
                return final
            poll.cancel()
            try:
                await poll
            except (ActivityError, asyncio.CancelledError):
                pass
            answer = await self._check_now()
            if answer is not None and answer.is_final:
                return answer

    async def _last_ask(self, until: datetime) -> ProviderStatus | None:
        """Wait for the end of reconciliation (or a callback) and ask MoMo one last time."""
        while True:
            seen = self._nudges
            try:
                await workflow.wait_condition(lambda: self._nudges > seen, timeout=self._until(until))  # noqa: B023 (awaited here)
                at_end = False
            except TimeoutError:
                at_end = True
            answer = await self._check_now()
            if answer is not None and answer.is_final:
                return answer
            if at_end or self._until(until) <= _MARGIN:
                return None
