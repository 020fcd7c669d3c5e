"""The payment pattern, once, for every asynchronous MoMo operation.

Submit with a reference id chosen in the workflow (so retries and replays reuse
it), wait for MoMo's callback, believe only a GET, poll when the callback does
not come, and when the deadline passes without a final answer report UNKNOWN
and keep checking on a slowing schedule until MoMo answers or an operator
resolves it. Request to Pay, Transfer, Pre-Approval, Invoice and Cancel Invoice
are subclasses that name their activities and add their own steps.

An operation is PENDING only once MoMo acknowledged it (202 or 409 on submit, or a
GET that knows the reference id); while MoMo answers 404 it is resent. If MoMo was
unreachable until the deadline and, a quiet period after the last submission, still
answers 404, the operation ends FAILED ``NOT_SUBMITTED``: that is certain, because no
request can still be in flight (see :data:`QUIET_PERIOD`) and the reference id is never
sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import ClassVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import Priority, RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from momoflow import search_attributes as sa
    from momoflow.contract import (
        ONE_CALL_S,
        PROVIDER_CALLBACK_SIGNAL,
        RESOLVE_UPDATE,
        STATUS_QUERY,
        CheckPriority,
        ProviderStatus,
        StatusCheck,
        Steps,
        status_task_queue,
    )
    from momoflow.models import (
        PaymentState,
        PaymentStatus,
        PaymentTiming,
        ProviderCallback,
        Resolution,
        StatusChange,
        TimingOverrides,
    )

from workflows import observability, patches, webhook_events
from workflows.admission import ADMIT_AT_START, admit
from workflows.resolution import VERIFY_RESOLUTION, ResolutionFollowUp

SUBMIT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(seconds=30)
)
CHECK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(seconds=10)
)
CHECK_BUDGET = timedelta(seconds=60)
ONE_CALL = timedelta(seconds=ONE_CALL_S)
# Patch id of the last status check at the deadline (histories from before it replay without it).
FINAL_CHECK_AT_DEADLINE = "final-check-at-deadline"
# Patch id of status checks on the queue the worker derives, whatever the caller sent.
WORKER_STATUS_QUEUE = "worker-status-queue"
# Patch id of "resend until MoMo acknowledges; PENDING only then; NOT_SUBMITTED when certain".
RESEND_UNTIL_ACKNOWLEDGED = "resend-until-acknowledged"
# Patch id of "first status check seconds after submit, then slowly growing intervals".
EARLY_STATUS_CHECKS = "early-status-checks"
# Patch id of status checks carrying a task-queue priority (see CheckPriority).
PRIORITIZED_CHECKS = "prioritized-status-checks"
# Patch id of the last status check at the end of reconciliation (see ``_last_reconciliation_check``).
FINAL_CHECK_AT_RECONCILIATION_END = "final-check-at-reconciliation-end"
# After the last submission ended, wait this long before trusting a 404. Every submit attempt
# ends on the worker within SUBMIT_ATTEMPT_LIMIT_S of its start (``submit_once`` cuts it off;
# the MoMo client bounds each request more tightly still), which is less than the activity's
# start-to-close (ONE_CALL): so when the workflow learns that its last submission ended, no
# attempt is still sending. A further ONE_CALL is margin for a request already on the wire and
# for MoMo to make it visible to a GET (60 s in all, 35 s beyond the attempt's bound).
QUIET_PERIOD = ONE_CALL + timedelta(seconds=ONE_CALL_S)
# Between status checks without a callback: each wait 1.5 times the previous one.
CHECK_BACKOFF = 1.5
NOT_SUBMITTED = "NOT_SUBMITTED"


class PaymentPattern(ResolutionFollowUp):
    """Base class of the asynchronous operation workflows (not a workflow itself).

    Subclasses set :attr:`steps`, call :meth:`_setup` from their ``@workflow.init``
    and :meth:`_run_pattern` from their ``@workflow.run``.
    """

    steps: ClassVar[Steps]

    def _setup(self, state: PaymentState, timing: TimingOverrides, legacy_status_queue: str | None) -> None:
        self._state = state
        # The caller's overrides; the worker decides the timing at the start (``_admit``). Runs
        # started before that use their input's timing over the old built-in defaults.
        self._timing_request = timing
        self._timing = timing.over(PaymentTiming())
        # Only histories recorded before the worker chose the queue still use the caller's.
        self._legacy_status_queue = legacy_status_queue
        self._status_queue_name: str | None = None
        self._prioritized: bool | None = None
        self._resolution: Resolution | None = None
        # Where the final answer of the early checks came from ("callback" or "poll").
        self._last_source = "poll"
        # Raised by every event that should cut a wait short: a callback, a finished cancellation.
        self._nudges = 0
        # Set by the admission when the worker sends webhooks (see ``_announce``).
        self._webhooks: tuple[bool, BaseModel | None] = (False, None)
        self._webhook_events = 0

    # -- messages ---------------------------------------------------------------------------

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> PaymentState:
        return self._state

    @workflow.signal(name=PROVIDER_CALLBACK_SIGNAL)
    def provider_callback(self, callback: ProviderCallback) -> None:
        """A hint from the gateway. Its body is never believed; it only triggers a GET."""
        if callback.reference_id == self._state.reference_id:
            self._state.callbacks_received += 1
            self._nudges += 1
            if self._state.callbacks_received > 1 or self._state.is_final:
                workflow.logger.info(
                    "repeated or late callback", extra={**self._log_fields(), "count": self._state.callbacks_received}
                )
        elif not self._on_other_callback(callback):
            workflow.logger.warning(
                "callback for another reference id ignored",
                extra={**self._log_fields(), "callback_reference_id": callback.reference_id},
            )

    def _on_other_callback(self, callback: ProviderCallback) -> bool:
        """Subclasses that run more than one MoMo operation claim their other callbacks here."""
        return False

    @workflow.update(name=RESOLVE_UPDATE)
    async def resolve(self, resolution: Resolution) -> PaymentState:
        """An operator settles an operation MoMo never confirmed; recorded with who and why.

        Answers with the resolved state; the workflow then keeps checking MoMo (workflows/resolution.py).
        """
        self._resolution = resolution
        if patches.patched(VERIFY_RESOLUTION):
            await self._resolution_applied()
        return self._state

    @resolve.validator
    def _validate_resolve(self, resolution: Resolution) -> None:
        if self._state.status is not PaymentStatus.UNKNOWN or self._resolution is not None:
            raise ValueError(
                f"status: this payment is already {self._state.status.value}; only an UNKNOWN payment can be resolved"
            )
        if self._until(self._reconciliation_end()) <= timedelta(seconds=2):
            raise ValueError("status: reconciliation has ended; this payment stays UNKNOWN")

    # -- hooks ------------------------------------------------------------------------------

    async def _before_submit(self) -> tuple[ProviderStatus, str] | None:
        """Checks before anything is sent; a failure and its explanation end the operation."""
        return None

    async def _after_submit(self) -> None:
        """Runs once MoMo has accepted the request."""

    # -- the pattern ------------------------------------------------------------------------

    async def _run_pattern(self, submit_input: BaseModel) -> PaymentState:
        if patches.patched(ADMIT_AT_START):
            await self._admit(submit_input)
        timing = self._timing
        deadline = workflow.now() + timedelta(seconds=timing.deadline_s)
        attributes = [
            sa.PRODUCT.value_set(self._state.product.value),
            sa.REFERENCE_ID.value_set(self._state.reference_id),
        ]
        if self._state.external_id:
            attributes.append(sa.EXTERNAL_ID.value_set(self._state.external_id))
        attributes.append(sa.STATUS.value_set(self._state.status.value))
        attributes += observability.kind("payment")
        workflow.upsert_search_attributes(attributes)
        self._state.history.append(StatusChange(status=self._state.status, at=workflow.now(), source="start"))
        workflow.logger.info("operation started", extra=self._log_fields())
        observability.operation_started()
        observability.show(self._state)

        refused = await self._before_submit()
        if refused is not None:
            refusal, message = refused
            return await self._finish(refusal, "precheck", message)
        never_acknowledged = False
        if patches.patched(RESEND_UNTIL_ACKNOWLEDGED):
            outcome = await self._submit_until_acknowledged(submit_input, deadline)
            if isinstance(outcome, ApplicationError):
                return await self._finish(
                    ProviderStatus(status="FAILED", reason=outcome.type), "submit", outcome.message
                )
            if isinstance(outcome, ProviderStatus) and outcome.status == "NOT_FOUND":
                return await self._finish(
                    ProviderStatus(status="FAILED", reason=NOT_SUBMITTED), "submit", self._not_submitted_message()
                )
            never_acknowledged = outcome is None
            if not never_acknowledged:
                self._set_status(PaymentStatus.PENDING, "submit")
                await self._after_submit()
                if isinstance(outcome, ProviderStatus) and outcome.is_final:
                    return await self._finish(outcome, "poll")
        else:
            rejection = await self._submit(submit_input, timedelta(seconds=timing.submit_timeout_s), deadline)
            if rejection is not None:
                return await self._finish(
                    ProviderStatus(status="FAILED", reason=rejection.type), "submit", rejection.message
                )
            self._set_status(PaymentStatus.PENDING, "submit")
            await self._after_submit()

        answer: ProviderStatus | None = None
        if not never_acknowledged and patches.patched(EARLY_STATUS_CHECKS):
            answer = await self._early_checks(deadline)
        elif not never_acknowledged:
            # Wait for the callback, then check; without one, poll until the deadline.
            try:
                await workflow.wait_condition(
                    lambda: self._nudges > 0,
                    timeout=self._until(deadline, cap=timedelta(seconds=timing.callback_timeout_s)),
                )
                answer = await self._check_now(after_callback=True)
                if answer is not None and answer.is_final:
                    return await self._finish(answer, "callback")
            except TimeoutError:
                workflow.logger.info("no callback in time; polling", extra=self._log_fields())
            poll = RetryPolicy(initial_interval=timedelta(seconds=timing.poll_interval_s), backoff_coefficient=1.0)
            answer = await self._poll_phase(poll, deadline)
        if answer is not None and answer.is_final:
            return await self._finish(answer, self._last_source)
        answer = None
        if not never_acknowledged and self._resolution is None and patches.patched(FINAL_CHECK_AT_DEADLINE):
            answer = await self._last_check(deadline)
        if answer is not None:
            return await self._finish(answer, "poll")

        # No final answer by the deadline: UNKNOWN, never FAILED. Keep asking, ever less often.
        self._set_status(PaymentStatus.UNKNOWN, "deadline")
        await self._announce(webhook_events.UNKNOWN)
        reconcile = RetryPolicy(
            initial_interval=timedelta(seconds=timing.reconcile_initial_interval_s),
            backoff_coefficient=2.0,
            maximum_interval=timedelta(seconds=timing.reconcile_max_interval_s),
        )
        reconciliation_end = workflow.now() + timedelta(seconds=timing.reconcile_max_age_s)
        answer = await self._poll_phase(reconcile, reconciliation_end, not_found_is_answer=never_acknowledged)
        if answer is None and self._resolution is None and patches.patched(FINAL_CHECK_AT_RECONCILIATION_END):
            answer = await self._last_reconciliation_check(reconciliation_end, never_acknowledged)
        if answer is not None and answer.status == "NOT_FOUND":
            return await self._finish(
                ProviderStatus(status="FAILED", reason=NOT_SUBMITTED), "reconciliation", self._not_submitted_message()
            )
        if answer is not None:
            return await self._finish(answer, "reconciliation")
        if self._resolution is not None:
            return await self._apply_resolution(self._resolution)
        workflow.logger.warning("still unknown after reconciliation", extra=self._log_fields())
        observability.run_ended_unknown(self._state)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    async def _admit(self, submit_input: BaseModel) -> None:
        """The worker judges the input once and decides the timing; a refusal fails the workflow."""
        request = self._admission_request(submit_input)
        admission = await admit(
            {"request": request.model_dump(mode="json"), "timing": self._timing_request.given()},
            decide=(observability.MOMO_KIND, RESEND_UNTIL_ACKNOWLEDGED),
        )
        if admission.timing is not None:
            self._timing = admission.timing
        self._webhooks = (admission.webhooks, request if admission.webhook_party else None)

    def _admission_request(self, submit_input: BaseModel) -> BaseModel:
        """The caller's request inside what is submitted; subclasses whose payload differs override it."""
        return submit_input.request  # type: ignore[attr-defined, no-any-return]

    async def _last_check(self, deadline: datetime) -> ProviderStatus | None:
        """Polling stops up to one interval early (no retry is scheduled past its deadline):
        wait for the deadline itself, or a callback, and ask once more before saying UNKNOWN."""
        seen = self._nudges
        try:
            if self._until(deadline) > timedelta(0):  # a zero timeout would mean "no timeout"
                await workflow.wait_condition(lambda: self._nudges > seen, timeout=self._until(deadline))
        except TimeoutError:
            pass
        answer = await self._check_now()
        return answer if answer is not None and answer.is_final else None

    async def _last_reconciliation_check(self, end: datetime, not_found_is_answer: bool) -> ProviderStatus | None:
        """Reconciliation's polls stop up to one interval early, as the deadline's do: wait for its
        end (a callback or an operator's resolution cuts the wait short) and ask once more."""
        seen = self._nudges
        try:
            if self._until(end) > timedelta(0):  # a zero timeout would mean "no timeout"
                await workflow.wait_condition(
                    lambda: self._nudges > seen or self._resolution is not None, timeout=self._until(end)
                )
        except TimeoutError:
            pass
        if self._resolution is not None:
            return None
        answer = await self._check_now()
        if answer is None:
            return None
        if answer.is_final or (not_found_is_answer and answer.status == "NOT_FOUND"):
            return answer
        return None

    async def _early_checks(self, deadline: datetime) -> ProviderStatus | None:
        """Without a callback, check first ``poll_interval_s`` after submit, then 1.5 times later
        each time, up to ``callback_timeout_s`` apart; a callback still triggers a check at once.

        Most callbacks come within seconds, but one that is lost must not leave a paid payment
        waiting for a whole callback timeout; the growing gaps keep the many pending payments
        of a busy worker under MoMo's status-check rate limit. Returns a final answer or None.
        """
        timing = self._timing
        first = timedelta(seconds=min(timing.poll_interval_s, timing.callback_timeout_s))
        self._last_source = "callback"
        try:
            if self._until(deadline) < timedelta(seconds=1):
                return None  # acknowledged only after the deadline: straight to the last check
            await workflow.wait_condition(lambda: self._nudges > 0, timeout=self._until(deadline, cap=first))
            answer = await self._check_now(after_callback=True)
            if answer is not None and answer.is_final:
                return answer
        except TimeoutError:
            pass
        self._last_source = "poll"
        poll = RetryPolicy(
            initial_interval=first,
            backoff_coefficient=CHECK_BACKOFF,
            maximum_interval=timedelta(seconds=max(timing.poll_interval_s, timing.callback_timeout_s)),
        )
        return await self._poll_phase(poll, deadline)

    async def _submit_until_acknowledged(
        self, submit_input: BaseModel, deadline: datetime
    ) -> ApplicationError | ProviderStatus | bool | None:
        """Send until MoMo acknowledges the request, resending (same reference id) while it does not know it.

        MoMo has acknowledged a request when it answered 202 or 409, or when a status GET knows
        the reference id. While a GET answers 404, nothing was taken, and resending is safe
        (a 409 would say an earlier attempt got through). Returns MoMo's refusal, True when
        acknowledged by the POST, the status when acknowledged by a GET, and when the deadline
        passed without an acknowledgement: NOT_FOUND if MoMo still does not know the reference
        id after :data:`QUIET_PERIOD` (it was never submitted), None if MoMo could not be asked.
        """
        budget = timedelta(seconds=self._timing.submit_timeout_s)
        while self._until(deadline) >= timedelta(seconds=1):
            try:
                await workflow.execute_activity(
                    self.steps.submit,
                    submit_input,
                    result_type=bool,
                    start_to_close_timeout=ONE_CALL,
                    schedule_to_close_timeout=self._until(deadline, cap=budget),
                    retry_policy=SUBMIT_RETRY,
                )
                return True
            except ActivityError as err:
                cause = err.cause
                if isinstance(cause, ApplicationError) and cause.non_retryable:
                    workflow.logger.info("refused by MoMo", extra={**self._log_fields(), "reason": cause.type})
                    return cause
            workflow.logger.warning("submit outcome unknown; checking status", extra=self._log_fields())
            answer = await self._check_now()
            if answer is not None and answer.status != "NOT_FOUND":
                return answer
            workflow.logger.warning(
                "MoMo does not know the request; resending" if answer else "MoMo unreachable; resending",
                extra=self._log_fields(),
            )
        # The deadline passed and MoMo never acknowledged the request. Let every request we
        # sent land or die, then ask once more: a 404 now means it was never taken.
        workflow.logger.warning("never acknowledged by the deadline; checking once more", extra=self._log_fields())
        await workflow.sleep(QUIET_PERIOD)
        return await self._check_now()

    def _not_submitted_message(self) -> str:
        return (
            "MoMo never accepted this request: every submission failed or went unanswered until the deadline, "
            f"and {int(QUIET_PERIOD.total_seconds())} s after the last one ended (longer than any call may last, "
            "so none was still on its way) MoMo answered 404 RESOURCE_NOT_FOUND for the reference id. The "
            "reference id is never sent again, so nothing can be charged under it."
        )

    async def _submit(self, submit_input: BaseModel, budget: timedelta, deadline: datetime) -> ApplicationError | None:
        """Send the request (retried with the same reference id). Returns MoMo's refusal, if any."""
        try:
            await workflow.execute_activity(
                self.steps.submit,
                submit_input,
                result_type=bool,
                start_to_close_timeout=ONE_CALL,
                schedule_to_close_timeout=self._until(deadline, cap=budget),
                retry_policy=SUBMIT_RETRY,
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.non_retryable:
                workflow.logger.info("refused by MoMo", extra={**self._log_fields(), "reason": cause.type})
                return cause
            # Out of time while MoMo kept failing: the request may have been taken. Find out by GET.
            workflow.logger.warning("submit outcome unknown; checking status", extra=self._log_fields())
        return None

    async def _check_now(self, reference_id: str | None = None, after_callback: bool = False) -> ProviderStatus | None:
        """One status GET (retried on transport errors). None if MoMo could not be asked; NOT_FOUND on 404.

        ``after_callback``: a callback triggered it, so it goes before every other check waiting.
        """
        try:
            answer: ProviderStatus = await workflow.execute_activity(
                self.steps.get_status,
                StatusCheck(reference_id=reference_id or self._state.reference_id),
                result_type=ProviderStatus,
                start_to_close_timeout=ONE_CALL,
                schedule_to_close_timeout=CHECK_BUDGET,
                retry_policy=CHECK_RETRY,
                task_queue=self._status_queue(),
                priority=self._priority(CheckPriority.AFTER_CALLBACK if after_callback else CheckPriority.ONE_OFF),
            )
        except ActivityError:
            return None
        self._state.status_checks += 1
        if reference_id is None:
            self._state.details.update(answer.details)
        return answer

    async def _poll_phase(
        self,
        retry: RetryPolicy,
        until: datetime,
        reference_id: str | None = None,
        nudges: Callable[[], int] | None = None,
        not_found_is_answer: bool = False,
    ) -> ProviderStatus | None:
        """Poll by retrying one activity; a nudge or an operator's resolution interrupts it.

        With ``not_found_is_answer`` a 404 ends the poll with NOT_FOUND (see StatusCheck).
        """
        count = nudges or (lambda: self._nudges)
        while True:
            remaining = self._until(until)
            if remaining <= timedelta(seconds=1) or self._resolution is not None:
                return None
            seen = count()
            check = StatusCheck(reference_id=reference_id or self._state.reference_id)
            if not_found_is_answer:
                check = StatusCheck(reference_id=check.reference_id, not_found_is_answer=True)
            poll = workflow.start_activity(
                self.steps.await_final,
                check,
                result_type=ProviderStatus,
                start_to_close_timeout=ONE_CALL,
                schedule_to_close_timeout=remaining,
                retry_policy=retry,
                task_queue=self._status_queue(),
                priority=self._priority(CheckPriority.POLL),
            )
            # The condition is awaited within this iteration, so it sees this iteration's values.
            await workflow.wait_condition(lambda: poll.done() or count() > seen or self._resolution is not None)  # noqa: B023
            if poll.done():
                try:
                    final: ProviderStatus = poll.result()
                except ActivityError:
                    return None  # the phase's time ran out without a final status
                self._state.status_checks += 1
                if reference_id is None:
                    self._state.details.update(final.details)
                return final
            poll.cancel()
            try:
                await poll
            except (ActivityError, asyncio.CancelledError):
                pass
            if self._resolution is not None:
                return None
            answer = await self._check_now(reference_id, after_callback=True)
            if answer is not None and (answer.is_final or (not_found_is_answer and answer.status == "NOT_FOUND")):
                return answer

    async def _finish(self, answer: ProviderStatus, source: str, message: str | None = None) -> PaymentState:
        if answer.status == "SUCCESSFUL":
            self._state.financial_transaction_id = answer.financial_transaction_id
            self._set_status(PaymentStatus.SUCCESSFUL, source)
        else:
            self._state.reason = answer.reason or "UNSPECIFIED"
            self._state.reason_message = message
            self._set_status(PaymentStatus.FAILED, source)
        await self._announce(webhook_events.SUCCEEDED if answer.status == "SUCCESSFUL" else webhook_events.FAILED)
        workflow.logger.info("operation finished", extra=self._log_fields())
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    async def _apply_resolution(self, resolution: Resolution) -> PaymentState:
        self._state.resolved_by = resolution.operator
        self._state.reason_message = resolution.reason
        if resolution.status is PaymentStatus.SUCCESSFUL:
            self._state.financial_transaction_id = resolution.financial_transaction_id
        else:
            self._state.reason = "RESOLVED_BY_OPERATOR"
        self._set_status(resolution.status, f"operator:{resolution.operator}")
        await self._announce(webhook_events.RESOLVED)
        workflow.logger.info("resolved by operator", extra=self._log_fields())
        if patches.patched(VERIFY_RESOLUTION):
            await self._verify_resolution()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    async def _announce(self, event_type: str) -> None:
        """Hand this status change to the worker as a webhook event, if its admission said webhooks are on.

        Payments admitted without webhooks never reach the patch, so their histories do not change.
        """
        enabled, request = self._webhooks
        if not enabled or not patches.patched(webhook_events.WEBHOOK_EVENTS):
            return
        party = webhook_events.party_of(request)
        await webhook_events.announce(webhook_events.event_for(self._state, event_type, self._webhook_events, party))
        self._webhook_events += 1

    # -- helpers ----------------------------------------------------------------------------

    def _set_status(self, status: PaymentStatus, source: str) -> None:
        if status is self._state.status:
            return
        observability.status_changing(self._state, status)
        self._state.status = status
        self._state.history.append(StatusChange(status=status, at=workflow.now(), source=source))
        observability.show(self._state)
        attributes = [sa.STATUS.value_set(status.value), *observability.unknown_since(status)]
        outcome = sa.outcome(self._state.reason, self._state.financial_transaction_id)
        if outcome and patches.patched(sa.OUTCOME_PATCH):
            attributes += outcome  # one event: the server alone can then tell how it ended
        workflow.upsert_search_attributes(attributes)
        workflow.logger.info("status changed", extra={**self._log_fields(), "source": source})

    def _status_queue(self) -> str:
        """The rate-limited queue of this product's status checks, as the worker serves it.

        Runs started before the patch used the queue their caller named (or their own).
        """
        if self._status_queue_name is None:
            own = workflow.info().task_queue
            if patches.patched(WORKER_STATUS_QUEUE):
                self._status_queue_name = status_task_queue(own, self._state.product.value)
            else:
                self._status_queue_name = self._legacy_status_queue or own
        return self._status_queue_name

    def _priority(self, key: int) -> Priority:
        """The task-queue priority of a status check; runs started before the patch sent none."""
        if self._prioritized is None:
            self._prioritized = patches.patched(PRIORITIZED_CHECKS)
        return Priority(priority_key=key) if self._prioritized else Priority.default

    @staticmethod
    def _until(moment: datetime, cap: timedelta | None = None) -> timedelta:
        remaining = max(moment - workflow.now(), timedelta(0))
        return min(remaining, cap) if cap is not None else remaining

    def _log_fields(self) -> dict[str, object]:
        return {
            "operation": self._state.operation,
            "reference_id": self._state.reference_id,
            "external_id": self._state.external_id,
            "status": self._state.status.value,
            "reason": self._state.reason,
        }
