"""Request to Pay: collect money from a customer, exactly once, with a confirmed outcome.

Submit with a reference id chosen here (so retries and replays reuse it), wait
for MoMo's callback, believe only a GET, poll when the callback does not come,
and when the deadline passes without a final answer report UNKNOWN and keep
checking on a slowing schedule until MoMo answers or an operator resolves it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from momoflow import search_attributes as sa
    from momoflow.models import (
        PROVIDER_CALLBACK_SIGNAL,
        STATUS_QUERY,
        PaymentState,
        PaymentStatus,
        ProviderCallback,
        ProviderStatus,
        RequestToPayInput,
        Resolution,
        StatusChange,
        StatusCheck,
        SubmitRequestToPay,
    )

SUBMIT = "collection.submit_request_to_pay"
GET_STATUS = "collection.get_request_to_pay_status"
AWAIT_FINAL = "collection.await_final_request_to_pay"

PRODUCT = "collection"
_SUBMIT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(seconds=30))
_CHECK_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(seconds=10))
_CHECK_BUDGET = timedelta(seconds=60)
_ONE_CALL = timedelta(seconds=30)


@workflow.defn(name="RequestToPay")
class RequestToPayWorkflow:
    @workflow.init
    def __init__(self, inp: RequestToPayInput) -> None:
        request = inp.request
        self._input = inp
        self._callbacks_seen = 0
        self._resolution: Resolution | None = None
        self._state = PaymentState(
            product=PRODUCT,
            reference_id=str(workflow.uuid4()),
            external_id=request.external_id,
            amount=request.amount,
            currency=request.currency,
            status=PaymentStatus.SUBMITTING,
        )

    # -- messages ---------------------------------------------------------------------------

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> PaymentState:
        return self._state

    @workflow.signal(name=PROVIDER_CALLBACK_SIGNAL)
    def provider_callback(self, callback: ProviderCallback) -> None:
        """A hint from the gateway. Its body is never believed; it only triggers a GET."""
        if callback.reference_id != self._state.reference_id:
            workflow.logger.warning(
                "callback for another reference id ignored",
                extra={"reference_id": self._state.reference_id, "callback_reference_id": callback.reference_id},
            )
            return
        self._state.callbacks_received += 1
        if self._state.callbacks_received > 1 or self._state.is_final:
            workflow.logger.info(
                "repeated or late callback",
                extra={"reference_id": self._state.reference_id, "count": self._state.callbacks_received},
            )

    @workflow.update(name="resolve")
    def resolve(self, resolution: Resolution) -> PaymentState:
        """An operator settles a payment MoMo never confirmed; recorded with who and why."""
        self._resolution = resolution
        return self._state

    @resolve.validator
    def _validate_resolve(self, resolution: Resolution) -> None:
        if self._state.status is not PaymentStatus.UNKNOWN or self._resolution is not None:
            raise ValueError(f"status: only an UNKNOWN payment can be resolved; this one is {self._state.status.value}")

    # -- the payment pattern ----------------------------------------------------------------

    @workflow.run
    async def run(self, inp: RequestToPayInput) -> PaymentState:
        timing = inp.timing
        deadline = workflow.now() + timedelta(seconds=timing.deadline_s)
        workflow.upsert_search_attributes(
            [
                sa.PRODUCT.value_set(PRODUCT),
                sa.REFERENCE_ID.value_set(self._state.reference_id),
                sa.EXTERNAL_ID.value_set(self._state.external_id),
                sa.STATUS.value_set(self._state.status.value),
            ]
        )
        self._state.history.append(StatusChange(status=self._state.status, at=workflow.now(), source="start"))
        workflow.logger.info("payment started", extra=self._log_fields())

        rejection = await self._submit(timedelta(seconds=timing.submit_timeout_s), deadline)
        if rejection is not None:
            return await self._finish(ProviderStatus(status="FAILED", reason=rejection.type), "submit", rejection.message)
        self._set_status(PaymentStatus.PENDING, "submit")

        # Wait for the callback, then check; without one, poll until the deadline.
        try:
            await workflow.wait_condition(
                lambda: self._state.callbacks_received > 0,
                timeout=self._until(deadline, cap=timedelta(seconds=timing.callback_timeout_s)),
            )
            answer = await self._check_now()
            if answer is not None and answer.is_final:
                return await self._finish(answer, "callback")
        except asyncio.TimeoutError:
            workflow.logger.info("no callback in time; polling", extra=self._log_fields())

        poll = RetryPolicy(initial_interval=timedelta(seconds=timing.poll_interval_s), backoff_coefficient=1.0)
        answer = await self._poll_phase(poll, deadline)
        if answer is not None:
            return await self._finish(answer, "poll")

        # No final answer by the deadline: UNKNOWN, never FAILED. Keep asking, ever less often.
        self._set_status(PaymentStatus.UNKNOWN, "deadline")
        reconcile = RetryPolicy(
            initial_interval=timedelta(seconds=timing.reconcile_initial_interval_s),
            backoff_coefficient=2.0,
            maximum_interval=timedelta(seconds=timing.reconcile_max_interval_s),
        )
        answer = await self._poll_phase(reconcile, workflow.now() + timedelta(seconds=timing.reconcile_max_age_s))
        if answer is not None:
            return await self._finish(answer, "reconciliation")
        if self._resolution is not None:
            return await self._apply_resolution(self._resolution)
        workflow.logger.warning("payment still unknown after reconciliation", extra=self._log_fields())
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    async def _submit(self, budget: timedelta, deadline: object) -> ApplicationError | None:
        """POST once (retried with the same reference id). Returns MoMo's refusal, if any."""
        try:
            await workflow.execute_activity(
                SUBMIT,
                SubmitRequestToPay(reference_id=self._state.reference_id, request=self._input.request),
                result_type=bool,
                start_to_close_timeout=_ONE_CALL,
                schedule_to_close_timeout=self._until(deadline, cap=budget),
                retry_policy=_SUBMIT_RETRY,
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.non_retryable:
                workflow.logger.info("payment refused", extra={**self._log_fields(), "reason": cause.type})
                return cause
            # Out of time while MoMo kept failing: the POST may have been taken. Find out by GET.
            workflow.logger.warning("submit outcome unknown; checking status", extra=self._log_fields())
        return None

    async def _check_now(self) -> ProviderStatus | None:
        """One status GET (retried on transport errors). None if MoMo could not be asked."""
        try:
            answer = await workflow.execute_activity(
                GET_STATUS,
                StatusCheck(reference_id=self._state.reference_id),
                result_type=ProviderStatus,
                start_to_close_timeout=_ONE_CALL,
                schedule_to_close_timeout=_CHECK_BUDGET,
                retry_policy=_CHECK_RETRY,
                task_queue=self._status_queue(),
            )
        except ActivityError:
            return None
        self._state.status_checks += 1
        return answer

    async def _poll_phase(self, retry: RetryPolicy, until: object) -> ProviderStatus | None:
        """Poll by retrying one activity; a new callback or an operator's resolution interrupts it."""
        while True:
            remaining = self._until(until)
            if remaining <= timedelta(seconds=1) or self._resolution is not None:
                return None
            seen = self._state.callbacks_received
            poll = workflow.start_activity(
                AWAIT_FINAL,
                StatusCheck(reference_id=self._state.reference_id),
                result_type=ProviderStatus,
                start_to_close_timeout=_ONE_CALL,
                schedule_to_close_timeout=remaining,
                retry_policy=retry,
                task_queue=self._status_queue(),
            )
            await workflow.wait_condition(
                lambda: poll.done() or self._state.callbacks_received > seen or self._resolution is not None
            )
            if poll.done():
                try:
                    answer = poll.result()
                except ActivityError:
                    return None  # the phase's time ran out without a final status
                self._state.status_checks += 1
                return answer
            poll.cancel()
            try:
                await poll
            except (ActivityError, asyncio.CancelledError):
                pass
            if self._resolution is not None:
                return None
            answer = await self._check_now()
            if answer is not None and answer.is_final:
                return answer

    async def _finish(self, answer: ProviderStatus, source: str, message: str | None = None) -> PaymentState:
        if answer.status == "SUCCESSFUL":
            self._state.financial_transaction_id = answer.financial_transaction_id
            self._set_status(PaymentStatus.SUCCESSFUL, source)
        else:
            self._state.reason = answer.reason or "UNSPECIFIED"
            self._state.reason_message = message
            self._set_status(PaymentStatus.FAILED, source)
        workflow.logger.info("payment finished", extra=self._log_fields())
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
        workflow.logger.info("payment resolved by operator", extra=self._log_fields())
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    # -- helpers ----------------------------------------------------------------------------

    def _set_status(self, status: PaymentStatus, source: str) -> None:
        if status is self._state.status:
            return
        self._state.status = status
        self._state.history.append(StatusChange(status=status, at=workflow.now(), source=source))
        workflow.upsert_search_attributes([sa.STATUS.value_set(status.value)])
        workflow.logger.info("payment status changed", extra={**self._log_fields(), "source": source})

    def _status_queue(self) -> str:
        return self._input.status_task_queue or workflow.info().task_queue

    @staticmethod
    def _until(moment: object, cap: timedelta | None = None) -> timedelta:
        remaining = moment - workflow.now()  # type: ignore[operator]
        remaining = max(remaining, timedelta(0))
        return min(remaining, cap) if cap is not None else remaining

    def _log_fields(self) -> dict[str, object]:
        return {
            "reference_id": self._state.reference_id,
            "external_id": self._state.external_id,
            "status": self._state.status.value,
            "reason": self._state.reason,
        }
