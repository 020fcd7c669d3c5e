"""Invoice: create an invoice and follow it until it is paid, expires or is cancelled.

The invoice's payment reference and expiry are in ``details`` as soon as MoMo
reports them. Cancelling is an update on the running workflow: it sends the
DELETE as its own MoMo operation (new reference id, own callback), follows that
operation to its final state, and the invoice then ends FAILED with MoMo's
``TRANSACTION_CANCELED``. An invoice has at most one cancellation: asking again
waits for that one and returns it, so a caller whose call was lost can repeat it.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import CANCEL_UPDATE, SubmitInvoice, SubmitInvoiceCancellation
    from momoflow.models import PaymentState, PaymentStatus, Product, ProviderCallback
    from momoflow.operations import InvoiceInput
    from momoflow.validation import required

from workflows import patches
from workflows.payment_pattern import ONE_CALL, SUBMIT_RETRY, PaymentPattern

_CANCEL_BUDGET = timedelta(minutes=5)
# Patch id: the check a cancellation's callback triggers goes first, as the invoice's own does.
CANCEL_CALLBACK_PRIORITY = "cancel-callback-check-priority"
_OPEN = (PaymentStatus.PENDING, PaymentStatus.UNKNOWN)


def describe_end(state: PaymentState) -> str:
    """How an invoice stands, for refusals: ``SUCCESSFUL`` (paid) or ``FAILED (EXPIRED)``, say."""
    if state.status is PaymentStatus.SUCCESSFUL:
        return "SUCCESSFUL (paid)"
    return f"{state.status.value} ({state.reason})" if state.reason else state.status.value


@workflow.defn(name="Invoice")
class InvoiceWorkflow(PaymentPattern):
    steps = contract.INVOICE

    @workflow.init
    def __init__(self, inp: InvoiceInput | None = None) -> None:
        inp = required(inp)  # before any signal, query or update can reach the run
        request = inp.request
        state = PaymentState(
            operation="invoice",
            product=Product.COLLECTION,
            reference_id=str(workflow.uuid4()),
            external_id=request.external_id,
            amount=request.amount,
            currency=request.currency,
            status=PaymentStatus.SUBMITTING,
        )
        self._setup(state, inp.timing, inp.status_task_queue)
        self._cancel_reference_id: str | None = None
        self._cancel_callbacks = 0
        self._cancel_done = False

    @workflow.run
    async def run(self, inp: InvoiceInput | None = None) -> PaymentState:
        inp = required(inp)
        return await self._run_pattern(SubmitInvoice(reference_id=self._state.reference_id, request=inp.request))

    async def _after_submit(self) -> None:
        # Learn the payment reference and expiry now, so callers can show them to the payer.
        await self._check_now()

    def _on_other_callback(self, callback: ProviderCallback) -> bool:
        if self._cancel_reference_id is not None and callback.reference_id == self._cancel_reference_id:
            self._cancel_callbacks += 1
            return True
        return False

    @workflow.update(name=CANCEL_UPDATE)
    async def cancel(self) -> PaymentState:
        """Cancel the invoice at MoMo; returns the state once the cancellation is final.

        A repeated request sends no second DELETE: it waits for the first
        cancellation (no command, so nothing changes on replay) and returns it.
        """
        if self._cancel_reference_id is not None:
            await workflow.wait_condition(lambda: self._cancel_done)
            return self._state
        try:
            return await self._cancel_once()
        finally:
            self._cancel_done = True

    async def _cancel_once(self) -> PaymentState:
        reference_id = str(workflow.uuid4())
        self._cancel_reference_id = reference_id
        details = self._state.details
        details["cancellation_reference_id"] = reference_id
        details["cancellation_status"] = PaymentStatus.SUBMITTING.value
        try:
            await workflow.execute_activity(
                contract.INVOICE_CANCELLATION.submit,
                SubmitInvoiceCancellation(
                    reference_id=reference_id,
                    invoice_reference_id=self._state.reference_id,
                    external_id=self._state.external_id or "",
                ),
                result_type=bool,
                start_to_close_timeout=ONE_CALL,
                schedule_to_close_timeout=_CANCEL_BUDGET,
                retry_policy=SUBMIT_RETRY,
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.non_retryable:
                details["cancellation_status"] = PaymentStatus.FAILED.value
                details["cancellation_reason"] = cause.type or "UNSPECIFIED"
                return self._state
        details["cancellation_status"] = PaymentStatus.PENDING.value

        try:
            await workflow.wait_condition(
                lambda: self._cancel_callbacks > 0, timeout=timedelta(seconds=self._timing.callback_timeout_s)
            )
            answer = await self._check_now(reference_id, after_callback=patches.patched(CANCEL_CALLBACK_PRIORITY))
        except TimeoutError:
            answer = None
        if answer is None or not answer.is_final:
            poll = RetryPolicy(
                initial_interval=timedelta(seconds=self._timing.poll_interval_s), backoff_coefficient=1.0
            )
            answer = await self._poll_phase(
                poll, workflow.now() + _CANCEL_BUDGET, reference_id, nudges=lambda: self._cancel_callbacks
            )
        if answer is None:
            details["cancellation_status"] = PaymentStatus.UNKNOWN.value
            return self._state
        details["cancellation_status"] = answer.status
        if answer.reason:
            details["cancellation_reason"] = answer.reason
        if answer.status == "SUCCESSFUL":
            self._nudges += 1  # the invoice has changed: make the main loop look now
            try:
                await workflow.wait_condition(lambda: self._state.is_final, timeout=timedelta(minutes=2))
            except TimeoutError:
                pass
        return self._state

    @cancel.validator
    def _validate_cancel(self) -> None:
        # A repeat of an earlier cancellation is accepted even once the invoice has ended: it returns that one.
        if self._cancel_reference_id is None and self._state.status not in _OPEN:
            raise ValueError(f"status: only an open invoice can be cancelled; this one is {describe_end(self._state)}")
