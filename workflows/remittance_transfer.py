"""Remittance transfer: pay money out to a customer through the remittance product.

Its own credentials, token and status queue (``<queue>-status-remittance``), so
remittance status checks never share the disbursement credential's rate limit.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from momoflow import contract
    from momoflow.contract import SubmitRemittanceTransfer
    from momoflow.models import PaymentState, PaymentStatus, Product
    from momoflow.payouts import RemittanceTransferInput
    from momoflow.validation import required

from workflows.payment_pattern import PaymentPattern


@workflow.defn(name="RemittanceTransfer")
class RemittanceTransferWorkflow(PaymentPattern):
    steps = contract.REMITTANCE_TRANSFER

    @workflow.init
    def __init__(self, inp: RemittanceTransferInput | None = None) -> None:
        inp = required(inp)  # before any signal, query or update can reach the run
        request = inp.request
        state = PaymentState(
            operation="remittance_transfer",
            product=Product.REMITTANCE,
            reference_id=str(workflow.uuid4()),
            external_id=request.external_id,
            amount=request.amount,
            currency=request.currency,
            status=PaymentStatus.SUBMITTING,
        )
        self._setup(state, inp.timing, inp.status_task_queue)

    @workflow.run
    async def run(self, inp: RemittanceTransferInput | None = None) -> PaymentState:
        inp = required(inp)
        return await self._run_pattern(
            SubmitRemittanceTransfer(reference_id=self._state.reference_id, request=inp.request)
        )
