"""Refund: give all or part of a SUCCESSFUL payment back to its payer.

Before anything is sent, the refund claims its amount on the payment's ledger
(``RefundLedger``, see workflows/refund_ledger.py): the ledger refuses a payment that is
not SUCCESSFUL, another currency, or an amount beyond what is still refundable, and the
refund then ends FAILED with the ledger's reason. An accepted claim is sent to MoMo on the
payment pattern. When MoMo ends the refund FAILED (certain, by the pattern's rules) the
claim is released; SUCCESSFUL settles it; a refund still UNKNOWN keeps it, so money that
may have left can never be refunded a second time.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import ProviderStatus, SubmitRefund
    from momoflow.models import PaymentState, PaymentStatus, Product
    from momoflow.refunds import RefundInput, ReserveRequest, ReserveVerdict
    from momoflow.validation import required

from workflows.payment_pattern import CHECK_RETRY, ONE_CALL, PaymentPattern

# The claim waits for the ledger's one read of the payment (up to a minute) and its own retries.
RESERVE_BUDGET = timedelta(seconds=150)
NOT_RESERVED = "REFUND_NOT_RESERVED"


@workflow.defn(name=contract.WorkflowType.REFUND)
class RefundWorkflow(PaymentPattern):
    steps = contract.REFUND

    @workflow.init
    def __init__(self, inp: RefundInput | None = None) -> None:
        inp = required(inp)  # before any signal, query or update can reach the run
        request = inp.request
        state = PaymentState(
            operation="refund",
            product=Product.DISBURSEMENT,
            reference_id=str(workflow.uuid4()),
            external_id=request.external_id,
            amount=request.amount,
            currency=request.currency,
            status=PaymentStatus.SUBMITTING,
        )
        self._setup(state, inp.timing, inp.status_task_queue)
        self._input = inp
        # Completed with the payment's MoMo reference id once the ledger accepted the claim.
        self._refund = SubmitRefund(reference_id=state.reference_id, request=request, reference_id_to_refund="")
        # True once the ledger may hold a claim of this refund (it must then be released or settled).
        self._claimed = False

    @workflow.run
    async def run(self, inp: RefundInput | None = None) -> PaymentState:
        inp = required(inp)
        state = await self._run_pattern(self._refund)
        await self._close_claim(state)
        return state

    async def _before_submit(self) -> tuple[ProviderStatus, str] | None:
        request = self._input.request
        claim = ReserveRequest(
            original_workflow_id=request.original_key,
            refund_key=workflow.info().workflow_id,
            amount=request.amount,
            currency=request.currency,
        )
        self._state.details["original_key"] = request.original_key
        self._claimed = True
        try:
            verdict = await workflow.execute_activity(
                contract.REFUND_RESERVE,
                claim,
                result_type=ReserveVerdict,
                start_to_close_timeout=ONE_CALL,
                schedule_to_close_timeout=RESERVE_BUDGET,
                retry_policy=CHECK_RETRY,
            )
        except ActivityError as err:
            # Nothing was sent. A claim that got through unseen is released at the end. The message
            # keeps the cause's code only: its text is not ours to publish in the state and webhook.
            cause = err.cause
            code = cause.type if isinstance(cause, ApplicationError) and cause.type else "UNAVAILABLE"
            return (
                ProviderStatus(status="FAILED", reason=NOT_RESERVED),
                f"the refund could not be reserved on the ledger of {request.original_key}; nothing was sent ({code})",
            )
        if not verdict.accepted:
            self._claimed = False
            reason = verdict.reason.value if verdict.reason else NOT_RESERVED
            return ProviderStatus(status="FAILED", reason=reason), verdict.message or reason
        assert verdict.original_reference_id is not None
        self._refund.reference_id_to_refund = verdict.original_reference_id
        self._state.details["original_reference_id"] = verdict.original_reference_id
        if verdict.remaining is not None:
            self._state.details["refundable_after"] = format(verdict.remaining, "f")
        return None

    async def _close_claim(self, state: PaymentState) -> None:
        """Release the claim on a certain FAILED, settle it on SUCCESSFUL; UNKNOWN keeps it."""
        if not self._claimed or not state.status.is_final:
            return
        signal = contract.RELEASE_SIGNAL if state.status is PaymentStatus.FAILED else contract.SETTLE_SIGNAL
        ledger = workflow.get_external_workflow_handle(contract.refund_ledger_id(self._input.request.original_key))
        try:
            await ledger.signal(signal, workflow.info().workflow_id)
        except Exception as exc:  # the ledger is gone (terminated by an operator): nothing to give back to
            workflow.logger.warning("refund ledger not reachable", extra={**self._log_fields(), "error": str(exc)})
